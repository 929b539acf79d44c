"""Namespaces: TaskNamespace and WorkflowContext. Imported on first use."""

class TaskNamespace:
    """``tenant::package::workflow::task``."""

    __slots__ = ("tenant_id", "package_name", "workflow_id", "task_id")

    def __init__(self, tenant_id, package_name, workflow_id, task_id):
        for n, v in (("tenant_id", tenant_id), ("package_name", package_name), ("workflow_id", workflow_id),
                     ("task_id", task_id)):
            if not isinstance(v, str):
                raise TypeError(f"{n} must be a str, got '{type(v).__name__}'")
        self.tenant_id, self.package_name, self.workflow_id, self.task_id = tenant_id, package_name, workflow_id, task_id

    @staticmethod
    def from_string(s):
        parts = s.split("::")
        if len(parts) != 4:
            raise ValueError(f"Invalid namespace format: Invalid namespace format '{s}'. "
                             f"Expected 'tenant::package::workflow::task'")
        return TaskNamespace(*parts)

    def parent(self):
        return TaskNamespace(self.tenant_id, self.package_name, self.workflow_id, "")

    def _same_workflow(self, other):
        return (self.tenant_id, self.package_name, self.workflow_id) == (
            other.tenant_id, other.package_name, other.workflow_id)

    def is_child_of(self, parent):
        return self._same_workflow(parent) and self.task_id != "" and parent.task_id == ""

    def is_sibling_of(self, other):
        return self._same_workflow(other) and self.task_id != "" and other.task_id != "" and self.task_id != other.task_id

    def __str__(self):
        return f"{self.tenant_id}::{self.package_name}::{self.workflow_id}::{self.task_id}"

    def __repr__(self):
        return f"TaskNamespace('{self.tenant_id}', '{self.package_name}', '{self.workflow_id}', '{self.task_id}')"

    def __eq__(self, other):
        return isinstance(other, TaskNamespace) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


class WorkflowContext:
    """``tenant::package::workflow``: where a workflow's tasks live."""

    __slots__ = ("tenant_id", "package_name", "workflow_id")

    def __init__(self, tenant_id, package_name, workflow_id):
        self.tenant_id, self.package_name, self.workflow_id = tenant_id, package_name, workflow_id

    def task_namespace(self, task_id):
        return TaskNamespace(self.tenant_id, self.package_name, self.workflow_id, task_id)

    def resolve_dependency(self, task_name):
        return self.task_namespace(task_name)

    def workflow_namespace(self):
        return self.task_namespace("")

    def contains_namespace(self, ns):
        return (self.tenant_id, self.package_name, self.workflow_id) == (ns.tenant_id, ns.package_name, ns.workflow_id)

    def __str__(self):
        return f"{self.tenant_id}::{self.package_name}::{self.workflow_id}"

    def __repr__(self):
        return f"WorkflowContext('{self.tenant_id}', '{self.package_name}', '{self.workflow_id}')"

    def __eq__(self, other):
        return isinstance(other, WorkflowContext) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))
