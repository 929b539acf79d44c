"""Entry points used by the JVM launcher: run a script as __main__, run pytest."""

import json
import sys


def _in_cloaca(frame):
    """Whether ``frame`` runs code of the cloaca package (compiled with file names ``cloaca/<module>.py``)."""
    return frame.f_code.co_filename.startswith("cloaca/")


def _print_uncaught(e, script):
    import traceback
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != script:
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


def _run_main(script, source=None):
    """Runs ``script`` as ``__main__``; returns 0, or 1 after printing the uncaught exception (130 for
    KeyboardInterrupt, as the python command exits after Ctrl-C). With ``source`` (a script read from
    stdin, ``cloaca run -``) runs that text as ``python -`` does: ``script`` names it in tracebacks
    and the working folder goes first on ``sys.path``."""
    import os
    import runpy
    try:
        if source is None:
            sys.path.insert(0, os.path.dirname(script))
            runpy.run_path(script, run_name="__main__")
        else:
            sys.path.insert(0, "")
            _exec_as_main(compile(source, script, "exec"))
        return 0
    except SystemExit as e:
        # Returned, not re-raised: GraalPy reports a SystemExit that reaches the host as status 1
        # whatever its code.
        return _exit_status(e.code)
    except BaseException as e:
        _print_uncaught(e, script)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _exec_as_main(code):
    """Runs ``code`` in a fresh ``__main__`` module, put back afterwards as ``runpy.run_path`` does."""
    import types
    main = types.ModuleType("__main__")
    main.__file__ = code.co_filename
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    finally:
        sys.modules["__main__"] = saved


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
