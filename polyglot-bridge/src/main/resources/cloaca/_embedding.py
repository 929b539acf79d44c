"""Embedding (io.cloaca.api): workflow files loaded and Python tasks used by a Java application.
Imported on first use."""

import json
import sys

from cloaca._tasks import _invoke, _loose_tasks, _message, _tasks


def _short_id(namespace):
    return namespace.rsplit("::", 1)[-1]


def _embedded_task(task_id):
    """The engine-facing invoker of the task declared with id ``task_id`` (outside or, if unique, inside a
    ``with WorkflowBuilder`` block), for a workflow built in Java; None if no loaded file declares it."""
    spec = _loose_tasks.get(task_id)
    if spec is None:
        found = [s for ns, s in _tasks.items() if _short_id(ns) == task_id]
        spec = found[0] if len(found) == 1 else None
    return None if spec is None else (lambda input_pickle, handle: _invoke(spec, input_pickle, handle))


def _embedded_task_ids():
    """JSON list of the task ids ``_embedded_task`` knows, for error messages."""
    return json.dumps(sorted(set(_loose_tasks) | {_short_id(ns) for ns in _tasks}))


def _failure(e, filename, line):
    import traceback  # only on the error path: importing it costs start-up time
    message = e.msg if isinstance(e, SyntaxError) and e.msg else _message(e)
    return json.dumps({"type": type(e).__name__, "message": message, "line": line or 0,
                       "details": "".join(traceback.format_exception(type(e), e, e.__traceback__))})


def _load_file(source, filename):
    """Runs a workflow file for a Java application: as a module named after the file, not ``__main__``,
    so its ``if __name__ == "__main__":`` part stays quiet, with the file's folder on ``sys.path`` as when
    it runs as a script. Answers None, or JSON ``{"type", "message", "line", "details"}``; never raises."""
    import os
    import types
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as e:
        return _failure(e, filename, e.lineno)
    name = os.path.splitext(os.path.basename(filename))[0]
    module = types.ModuleType(name)
    module.__file__ = filename
    # Registered so that dataclasses, pickle and friends find the module; never over another module.
    registered = name not in sys.modules
    if registered:
        sys.modules[name] = module
    folder = os.path.dirname(filename)
    if folder and folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        exec(code, module.__dict__)
    except BaseException as e:  # KeyboardInterrupt too: a file that does not load, not a Java exception
        if registered:
            sys.modules.pop(name, None)
        line, tb = 0, e.__traceback__
        while tb is not None:  # the deepest frame of the file itself: the line its author must look at
            if tb.tb_frame.f_code.co_filename == filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        if isinstance(e, SyntaxError) and e.filename == filename:
            line = e.lineno
        return _failure(e, filename, line)
    return None


def _load_file_in_worker(source, filename):
    """``_load_file`` in a worker thread's interpreter: None, or the failure as one line."""
    failure = _load_file(source, filename)
    if failure is None:
        return None
    failure = json.loads(failure)
    return f"{failure['type']}: {failure['message']}"
