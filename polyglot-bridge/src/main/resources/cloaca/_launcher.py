"""Entry points used by the JVM launcher: run a script as __main__, run pytest."""

import json
import sys


def _in_cloaca(frame):
    """Whether ``frame`` runs code of the cloaca package (compiled with file names ``cloaca/<module>.py``)."""
    return frame.f_code.co_filename.startswith("cloaca/")


def _print_uncaught(e):
    import traceback
    tb = e.__traceback__
    # The launcher's frames, then the script's. Not the frames named after the script: GraalPy names a
    # file's code by the file's real path (symbolic links and .. resolved), not the one it was given.
    while tb is not None and _in_cloaca(tb.tb_frame):
        tb = tb.tb_next
    if tb is None and not isinstance(e, SyntaxError):
        tb = e.__traceback__
    if isinstance(e, KeyboardInterrupt):
        # Raised by the host while the script waited in a runner call: end at the script's line, as a
        # Ctrl-C during a call into a compiled extension does under CPython.
        t = tb
        while t is not None and t.tb_next is not None:
            if _in_cloaca(t.tb_next.tb_frame) and not _in_cloaca(t.tb_frame):
                t.tb_next = None
            t = t.tb_next
    traceback.print_exception(type(e), e, tb)


def _exit_status(code):
    """The process exit status for ``sys.exit(code)``, as CPython computes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    print(code, file=sys.stderr)
    return 1


def _run_main(script, source=None, init_globals=None):
    """Runs ``script`` as ``__main__``; returns 0, or 1 after printing the uncaught exception (130 for
    KeyboardInterrupt, as the python command exits after Ctrl-C). With ``source`` (a script read from
    stdin, ``cloaca run -``) runs that text as ``python -`` does: ``script`` names it in tracebacks
    and the working folder goes first on ``sys.path``. ``init_globals``: names the module starts with."""
    try:
        _run_as("__main__", script, source, init_globals)
        return 0
    except SystemExit as e:
        # Returned, not re-raised: GraalPy reports a SystemExit that reaches the host as status 1
        # whatever its code.
        return _exit_status(e.code)
    except BaseException as e:
        _print_uncaught(e)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _import_as_worker(script, source=None):
    """Runs ``script`` (or ``source``, read from stdin) in a worker thread's own interpreter, as module
    ``__cloaca_worker__``: its tasks and workflows are declared again there and its main block is skipped.
    Returns None, or what stopped the import (SystemExit included) as one line."""
    import traceback
    try:
        _run_as("__cloaca_worker__", script, source)
        return None
    except BaseException as e:
        return "".join(traceback.format_exception_only(type(e), e)).strip()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _run_as(name, script, source, init_globals=None):
    """Runs file ``script`` (absolute) as module ``name``, as python3 runs the script it is given; or, given
    ``source``, that text under the file name ``script``, the working folder first on ``sys.path``."""
    if source is None:
        code, file = _main_code(script)
    else:
        sys.path.insert(0, "")
        code, file = compile(source, script, "exec"), script
    _exec_as(name, code, file, init_globals)


def _main_code(script):
    """The code python3 runs for ``script`` and its ``__file__``, with what it puts first on ``sys.path``: a
    zip archive's (or a folder's) ``__main__`` module and the archive itself, else the file's source and
    path as given here, and its folder with symbolic links resolved. Not runpy.run_path, which sets
    ``sys.argv[0]`` to that path, where python3 leaves it as typed on the command line."""
    import io
    import os
    import pkgutil
    archive = pkgutil.get_importer(script)
    if archive is not None:
        sys.path.insert(0, script)
        spec = archive.find_spec("__main__")
        if spec is None:
            raise ImportError(f"can't find '__main__' module in {script!r}")
        return spec.loader.get_code("__main__"), spec.origin
    sys.path.insert(0, os.path.dirname(os.path.realpath(script)))
    with io.open_code(script) as f:
        return compile(f.read(), script, "exec"), script


def _exec_as(name, code, file, init_globals=None):
    """Runs ``code`` in a fresh module ``name`` whose ``__file__`` is ``file`` (its other names from
    ``init_globals``), the one before put back afterwards as ``runpy.run_path`` does."""
    import types
    module = types.ModuleType(name)
    module.__dict__.update(init_globals or {})
    module.__file__ = file
    saved = sys.modules.get(name)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    finally:
        if saved is None:
            del sys.modules[name]
        else:
            sys.modules[name] = saved


def _run_pytest(args_json, extra_path_json):
    args, extra_path = json.loads(args_json), json.loads(extra_path_json)
    for p in extra_path:
        if p not in sys.path:
            sys.path.append(p)
    try:
        import pytest
    except ImportError:
        print("cloaca test: pytest is not importable. Install Debian's python3-pytest "
              "or set CLOACA_PYTHONPATH to a folder that holds pytest.", file=sys.stderr)
        return 4
    sys.argv = ["pytest"] + list(args)
    return int(pytest.main(list(args) + ["-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]))
