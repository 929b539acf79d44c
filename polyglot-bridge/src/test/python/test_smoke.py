import cloaca
import pytest


def test_context_insert_twice_raises_value_error():
    ctx = cloaca.Context({"a": 1})
    with pytest.raises(ValueError, match="Key already exists: Key already exists: a"):
        ctx.insert("a", 2)


def test_unknown_workflow_is_a_value_error():
    with cloaca.DefaultRunner(":memory:") as runner:
        with pytest.raises(ValueError, match="Workflow not found in registry: nope"):
            runner.execute("nope", cloaca.Context())
