"""Workflows: WorkflowBuilder (context manager or builder), Workflow and registration."""

import json

import cloaca
from cloaca._tasks import _builder_stack, _invoke, _loose_tasks, _message, _task_id_of, _tasks


class Workflow:
    """A validated workflow, returned by ``WorkflowBuilder.build()``; register it with
    ``register_workflow_constructor``."""

    __slots__ = ("_handle",)

    def __init__(self, *_args, **_kwargs):
        raise TypeError("Workflow has no constructor; build one with cloaca.WorkflowBuilder(...).build()")

    @classmethod
    def _wrap(cls, handle):
        w = object.__new__(cls)
        w._handle = handle
        return w

    @property
    def name(self):
        return self._handle.name()

    @property
    def description(self):
        return self._handle.description()

    @property
    def version(self):
        return self._handle.version()

    def topological_sort(self):
        return json.loads(self._handle.topologicalSort())

    def get_execution_levels(self):
        return json.loads(self._handle.executionLevels())

    def get_roots(self):
        return json.loads(self._handle.roots())

    def get_leaves(self):
        return json.loads(self._handle.leaves())

    def validate(self):
        """Workflows are validated when built, so this always passes."""
        return None

    def __repr__(self):
        return f"Workflow(name='{self.name}', tasks={self._handle.taskCount()})"


def _build(error_prefix, name, description, tags, ns_prefix, specs):
    tasks = []
    for spec in specs:
        invoker = (lambda s: lambda input_pickle, handle: _invoke(s, input_pickle, handle))(spec)
        tasks.append([ns_prefix + spec.id, [ns_prefix + d for d in spec.dependencies],
                      json.dumps(spec.retry._to_java()), invoker, spec.trigger_rule])
    return Workflow._wrap(cloaca._host.buildWorkflow(error_prefix, name, description, json.dumps(tags), tasks))


class WorkflowBuilder:
    """Assembles a workflow, in either of two styles.

    As a context manager, every task decorated inside the block joins the workflow, which is registered
    when the block ends. As a builder: ``add_task("id")`` for each task, then ``build()``, and register
    the result with ``register_workflow_constructor``.
    """

    def __init__(self, name, *, tenant=None, package=None, workflow=None):
        if not isinstance(name, str):
            raise TypeError(f"WorkflowBuilder name must be a str, got '{type(name).__name__}'")
        self._name = name
        self._tenant = tenant or "public"
        self._package = package or "embedded"
        self._workflow = workflow or name
        self._description = ""
        self._tags = {}
        self._added = {}

    def _namespace(self, task_id):
        return f"{self._tenant}::{self._package}::{self._workflow}::{task_id}"

    def description(self, text):
        if not isinstance(text, str):
            raise TypeError(f"description must be a str, got '{type(text).__name__}'")
        self._description = text

    def tag(self, key, value):
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("tag key and value must be str")
        self._tags[key] = value

    def add_task(self, task):
        if isinstance(task, str):
            task_id = task
        else:
            task_id = _task_id_of(task)
            if task_id is None:
                raise ValueError("Task must be either a string task ID or a function object with __name__ attribute")
        ns = self._namespace(task_id)
        spec = _tasks.get(ns) or _loose_tasks.get(task_id)
        if spec is None:
            raise ValueError(f"Task '{task_id}' not found in registry. Make sure it was decorated with @task.")
        if task_id in self._added:
            raise ValueError(f"Failed to add task: Duplicate task: {ns}")
        self._added[task_id] = spec

    def build(self):
        return _build("Failed to build workflow: ", self._name, self._description, self._tags,
                      self._namespace(""), list(self._added.values()))

    def __enter__(self):
        _builder_stack().append(self)
        return self

    def __exit__(self, exc_type, exc, tb):
        stack = _builder_stack()
        if stack and stack[-1] is self:
            stack.pop()
        if exc_type is not None:
            # Building a half-declared workflow would replace the block's error with a validation error
            # about the missing rest (upstream does; the user then reads the wrong message).
            return False
        prefix = self._namespace("")
        specs = {ns[len(prefix):]: spec for ns, spec in _tasks.items() if ns.startswith(prefix)}
        for task_id, spec in self._added.items():
            specs.setdefault(task_id, spec)
        workflow = _build("Workflow validation failed: ", self._workflow, self._description, self._tags, prefix,
                          list(specs.values()))
        cloaca._host.registerWorkflow(self._workflow, workflow._handle)
        return False

    def __repr__(self):
        return f"WorkflowBuilder(name='{self._name}')"


def register_workflow_constructor(name, constructor):
    """Calls ``constructor()`` once and registers the Workflow it returns under ``name``."""
    if not isinstance(name, str):
        raise TypeError(f"workflow name must be a str, got '{type(name).__name__}'")
    try:
        workflow = constructor()
    except Exception as e:
        raise ValueError(f"Failed to call workflow constructor: {_message(e)}") from e
    if not isinstance(workflow, Workflow):
        raise ValueError(f"Failed to extract workflow from constructor: expected a cloaca.Workflow, "
                         f"got '{type(workflow).__name__}'")
    cloaca._host.registerWorkflow(name, workflow._handle)
