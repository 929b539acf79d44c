"""cloaca: durable workflows, run by the cloaca-jvm engine inside the JVM.

The API follows the Python bindings of Cloacina (the ``cloaca`` package), so scripts written for them
run unchanged. This package is a thin layer: it turns the Pythonic API (keywords, decorators, context
managers) into calls on one Java host object. Contexts go to the JVM as JSON text and come back as a
pickle of plain values that the JVM writes (``cloaca/_json.py``: GraalPy's own JSON parser is slow on long
lists).

This module holds the public surface and the wiring only; the code lives in one submodule per domain
(``cloaca/_runner.py``, ``cloaca/_tasks.py``...), read from the jar by the importer the JVM installs.
What a hello workflow does not need (triggers, tenants, namespaces, embedding, the REPL, the smoke-test
helpers) is imported on first use, through ``__getattr__`` and the forwarding functions below, so that
start-up does not pay for it.
"""

import builtins
import json

from cloaca import _runtime_fixes  # noqa: E402,F401 (patches the runtime before any script runs)

#: The Maven project version of cloaca-jvm (as ``cloaca --version``); set when the JVM binds the module.
__version__ = "unknown"
#: Kept for scripts written for upstream's mid-2025 wheels; the backend is chosen by URL at run time.
__backend__ = "sqlite"

__all__ = [
    "Context", "task", "WorkflowBuilder", "Workflow", "register_workflow_constructor",
    "DefaultRunnerConfig", "DefaultRunner", "PipelineResult", "WorkflowResult",
    "TaskNamespace", "WorkflowContext", "RetryPolicy", "RetryPolicyBuilder", "BackoffStrategy",
    "RetryCondition", "hello_world", "HelloClass", "get_backend", "get_version",
    "DatabaseAdmin", "TenantConfig", "TenantCredentials",
    "context_value", "task_success", "task_failed", "task_skipped", "all_of", "any_of", "none_of", "always",
    "trigger", "TriggerResult", "TriggerDecorator",
    "TaskHandle",
]

#: The CloacaHost every call goes to; the one place it is kept (the submodules read ``cloaca._host``).
_host = None

from cloaca._context import Context  # noqa: E402 (the submodules read _host from here)
from cloaca._retry import BackoffStrategy, RetryCondition, RetryPolicy, RetryPolicyBuilder  # noqa: E402
from cloaca._tasks import TaskDecorator, TaskHandle, task  # noqa: E402
from cloaca._rules import (all_of, always, any_of, context_value, none_of, task_failed, task_skipped,  # noqa: E402
                           task_success)
from cloaca._workflow import Workflow, WorkflowBuilder, register_workflow_constructor  # noqa: E402
from cloaca._runner import (_CONFIG_DEFAULTS, _CONFIG_EXTENSIONS, DefaultRunner, DefaultRunnerConfig,  # noqa: E402
                            PipelineResult, WorkflowResult)

#: Public names imported on first use, by the submodule that defines them (``_forget_trigger`` is for
#: tests and the REPL).
_LAZY = {
    "cloaca._triggers": ("trigger", "TriggerResult", "TriggerDecorator", "_forget_trigger"),
    "cloaca._tenancy": ("DatabaseAdmin", "TenantConfig", "TenantCredentials"),
    "cloaca._namespaces": ("TaskNamespace", "WorkflowContext"),
    "cloaca._smoke": ("hello_world", "HelloClass", "get_backend", "get_version"),
}
_LAZY_NAMES = {name: module for module, names in _LAZY.items() for name in names}


def _forward(module, name):
    """A function that imports ``module`` when first called and calls its function ``name``. For the
    functions the JVM calls by name: a polyglot member read must find them in the module's dict, which
    ``__getattr__`` is not."""
    def forward(*args):
        return getattr(_import(module), name)(*args)

    forward.__name__ = forward.__qualname__ = name
    return forward


def _import(module):
    import importlib
    return importlib.import_module(module)


_run_main = _forward("cloaca._launcher", "_run_main")
_run_pytest = _forward("cloaca._launcher", "_run_pytest")
_import_as_worker = _forward("cloaca._launcher", "_import_as_worker")
_repl_push = _forward("cloaca._repl", "_repl_push")
_repl_run = _forward("cloaca._repl", "_repl_run")
_repl_reset = _forward("cloaca._repl", "_repl_reset")
_repl_complete = _forward("cloaca._repl", "_repl_complete")
_repl_open_runner = _forward("cloaca._repl", "_repl_open_runner")
_load_file = _forward("cloaca._embedding", "_load_file")
_embedded_task = _forward("cloaca._embedding", "_embedded_task")
_embedded_task_ids = _forward("cloaca._embedding", "_embedded_task_ids")
_load_file_in_worker = _forward("cloaca._embedding", "_load_file_in_worker")


def __getattr__(name):
    """PEP 562: a lazy name imports its submodule, then is kept here so the next access is direct."""
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'cloaca' has no attribute '{name}'")
    value = getattr(_import(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_NAMES))


def _bind(host):
    """Called by the JVM once the module is loaded: ``host`` is the CloacaHost every call goes to."""
    global _host, __version__
    _host = host
    __version__ = host.version()
    for name, value in json.loads(host.runnerDefaults()).items():
        (_CONFIG_DEFAULTS if name in _CONFIG_DEFAULTS else _CONFIG_EXTENSIONS)[name] = value


def _raise(kind, message):
    """Called from Java to raise a builtin exception that Python code can catch by type."""
    raise getattr(builtins, kind)(message)
