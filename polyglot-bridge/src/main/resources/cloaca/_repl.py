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
        _console.compile = _TypedCompiler(_console.compile)
    return _console


class _TypedCompiler:
    """The console's compiler, deciding by itself when the typed lines are complete, as python3's prompt
    does. GraalPy's ``codeop`` cannot be trusted with that: it compiles ``def g():`` plus one body line as a
    whole statement (so the body's next line fails as unexpectedly indented) and reports an open bracket,
    triple-quoted string or backslash continuation as a syntax error instead of asking for more."""

    def __init__(self, compile):
        self._compile = compile

    def __call__(self, source, filename="<input>", symbol="single"):
        layout = _layout(source)
        if layout == "open":
            return None
        # Compiled even when incomplete, so that a syntax error in a block shows as soon as it is typed.
        code = self._compile(source, filename, symbol)
        if layout == "block" and source.rsplit("\n", 1)[-1].strip():
            return None
        return code


_COMPOUND = {"if", "while", "for", "try", "with", "def", "class", "async"}


def _layout(source):
    """How typed lines stand: "open" while a bracket, a triple-quoted string or a backslash continuation is
    unfinished; "block" for a compound statement (a header such as ``if x: pass``, a decorator, a line
    ending in ``:``, an indented line), which only an empty line ends; else "simple", which runs at once."""
    import re
    depth = 0
    quote = None
    continued = False
    block = False
    for number, line in enumerate(source.split("\n")):
        if quote is None and depth == 0 and not continued:
            word = re.match(r"[ \t]*(@|[A-Za-z_]\w*)", line)
            if word and (word.group(1) == "@" or word.group(1) in _COMPOUND):
                block = True
            elif number > 0 and line[:1] in (" ", "\t") and line.strip() and not line.lstrip().startswith("#"):
                block = True
        continued = False
        last = ""
        i = 0
        while i < len(line):
            c = line[i]
            if quote is not None:
                if c == "\\":
                    i += 2
                elif line.startswith(quote, i):
                    i += len(quote)
                    quote = None
                else:
                    i += 1
                continue
            if c == "#":
                break
            if c in "'\"":
                quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else c
                last = c
                i += len(quote)
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(depth - 1, 0)
            elif c == "\\" and i == len(line) - 1:
                continued = True
            if not c.isspace():
                last = c
            i += 1
        if quote is not None and len(quote) == 1 and not line.endswith("\\"):
            quote = None  # an unterminated one-line string: the compiler says so
        if last == ":" and depth == 0 and quote is None:
            block = True
    if quote is not None or depth > 0 or continued:
        return "open"
    return "block" if block else "simple"


def _repl_push(line):
    """Feeds one line to the interactive console: -1 while a statement needs more lines, -2 when it ran,
    else the exit status the line asked for (``exit(n)``, ``sys.exit(n)``)."""
    try:
        return -1 if _repl_console().push(line) else -2
    except SystemExit as e:
        return _exit_status(e.code)
    except KeyboardInterrupt:
        # Ctrl-C outside the statement's own code (the console prints the traceback of one inside it).
        import sys
        print("\nKeyboardInterrupt", file=sys.stderr)
        _console.resetbuffer()
        return -2


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
