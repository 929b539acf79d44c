"""The interactive console of ``cloaca repl``. Imported on first use."""

import cloaca
from cloaca._launcher import _exit_status, _run_main


_console = None


def _repl_console():
    """The interactive console, made on first use, with ``cloaca`` imported in its namespace."""
    global _console
    if _console is None:
        import code

        def leave(code=None):
            raise SystemExit(code)

        _console = code.InteractiveConsole({"__name__": "__main__", "__doc__": None, "cloaca": cloaca,
                                            "exit": leave, "quit": leave})
    return _console


def _repl_push(line):
    """Feeds one line to the interactive console: -1 while a statement needs more lines, -2 when it ran,
    else the exit status the line asked for (``exit(n)``, ``sys.exit(n)``)."""
    try:
        return -1 if _repl_console().push(line) else -2
    except SystemExit as e:
        return _exit_status(e.code)


def _repl_run(source):
    """``cloaca repl`` fed from a pipe or file: all of ``source`` as one script, as ``python < file`` runs
    it (compiled first, so a syntax error anywhere runs nothing; the first uncaught exception ends it),
    named ``<stdin>``, with the console's names (``cloaca``, a ``--database`` runner). Returns the exit
    status, as ``_run_main``."""
    return _run_main("<stdin>", source, _repl_console().locals)


def _repl_reset():
    """Drops a half-typed statement (Ctrl-C at the prompt)."""
    if _console is not None:
        _console.resetbuffer()


def _repl_complete(text):
    """Tab completion at the prompt: the names and attributes (``cloaca.``, ``runner.``, ``ctx.``) that
    complete the dotted name ``text`` ends with, as the console's namespace holds them. Completing an
    attribute evaluates the expression before the last dot, as CPython's readline completion does."""
    import re
    import rlcompleter
    match = re.search(r"[A-Za-z_][\w.]*$", text)
    word = match.group(0) if match else ""
    completer = rlcompleter.Completer(_repl_console().locals)
    found = []
    state = 0
    while True:
        try:
            candidate = completer.complete(word, state)
        except Exception:
            break
        if candidate is None:
            break
        if candidate not in found:
            found.append(candidate)
        state += 1
    return found


def _repl_open_runner(database_url, schema):
    """``cloaca repl --database URL [--schema NAME]``: binds ``runner`` in the console to a runner on that
    database (and tenant schema); returns how to say so, with any password hidden."""
    runner = (cloaca.DefaultRunner(database_url) if schema is None
              else cloaca.DefaultRunner.with_schema(database_url, schema))
    _repl_console().locals["runner"] = runner
    import re
    shown = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", database_url)
    if schema is None:
        return f"runner = cloaca.DefaultRunner({shown!r})"
    return f"runner = cloaca.DefaultRunner.with_schema({shown!r}, {schema!r})"
