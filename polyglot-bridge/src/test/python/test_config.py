"""DefaultRunnerConfig: 15 knobs with upstream's names and defaults, validated values."""
import pytest

import cloaca

DEFAULTS = {
    "max_concurrent_tasks": 4,
    "executor_poll_interval_ms": 100,
    "scheduler_poll_interval_ms": 100,
    "task_timeout_seconds": 300,
    "pipeline_timeout_seconds": 3600,
    "db_pool_size": 10,
    "enable_recovery": True,
    "enable_cron_scheduling": True,
    "cron_poll_interval_seconds": 30,
    "cron_max_catchup_executions": 100,
    "cron_enable_recovery": True,
    "cron_recovery_interval_seconds": 300,
    "cron_lost_threshold_minutes": 10,
    "cron_max_recovery_age_seconds": 86400,
    "cron_max_recovery_attempts": 3,
}
INT_KNOBS = [k for k, v in DEFAULTS.items() if not isinstance(v, bool)]
BOOL_KNOBS = [k for k, v in DEFAULTS.items() if isinstance(v, bool)]


def test_fifteen_knobs_with_their_defaults():
    config = cloaca.DefaultRunnerConfig()
    assert len(DEFAULTS) == 15
    for name, value in DEFAULTS.items():
        assert getattr(config, name) == value, name
        assert type(getattr(config, name)) is type(value), name


def test_to_dict_has_exactly_the_fifteen_keys():
    d = cloaca.DefaultRunnerConfig().to_dict()
    assert d == DEFAULTS
    assert len(d) == 15


def test_to_dict_is_a_copy():
    config = cloaca.DefaultRunnerConfig()
    config.to_dict()["max_concurrent_tasks"] = 99
    assert config.max_concurrent_tasks == 4


def test_default_equals_the_no_argument_constructor():
    assert cloaca.DefaultRunnerConfig.default().to_dict() == cloaca.DefaultRunnerConfig().to_dict()


def test_repr_uses_lowercase_booleans():
    assert repr(cloaca.DefaultRunnerConfig()) == (
        "DefaultRunnerConfig(max_concurrent_tasks=4, enable_cron_scheduling=true, db_pool_size=10)")
    config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=2, enable_cron_scheduling=False, db_pool_size=3)
    assert repr(config) == "DefaultRunnerConfig(max_concurrent_tasks=2, enable_cron_scheduling=false, db_pool_size=3)"


def test_every_knob_by_keyword():
    values = {k: (not v if isinstance(v, bool) else v + 1) for k, v in DEFAULTS.items()}
    assert cloaca.DefaultRunnerConfig(**values).to_dict() == values


def test_every_knob_by_position_in_upstream_order():
    values = [v + 1 if not isinstance(v, bool) else not v for v in DEFAULTS.values()]
    config = cloaca.DefaultRunnerConfig(*values)
    assert list(config.to_dict().values()) == values
    assert list(config.to_dict()) == list(DEFAULTS)


def test_none_in_the_constructor_keeps_the_default():
    config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=None, pipeline_timeout_seconds=None)
    assert config.max_concurrent_tasks == 4
    assert config.pipeline_timeout_seconds == 3600


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_every_knob_has_a_setter(name):
    config = cloaca.DefaultRunnerConfig()
    new = (not DEFAULTS[name]) if name in BOOL_KNOBS else DEFAULTS[name] * 2
    setattr(config, name, new)
    assert getattr(config, name) == new
    assert config.to_dict()[name] == new


def test_pipeline_timeout_can_be_disabled_with_the_setter():
    config = cloaca.DefaultRunnerConfig()
    config.pipeline_timeout_seconds = None
    assert config.pipeline_timeout_seconds is None
    assert config.to_dict()["pipeline_timeout_seconds"] is None


def test_workflow_timeout_alias_in_the_constructor():
    config = cloaca.DefaultRunnerConfig(workflow_timeout_seconds=12)
    assert config.pipeline_timeout_seconds == 12
    assert config.workflow_timeout_seconds == 12
    assert "workflow_timeout_seconds" not in config.to_dict()


def test_workflow_timeout_alias_as_a_property():
    config = cloaca.DefaultRunnerConfig()
    config.workflow_timeout_seconds = 7
    assert config.pipeline_timeout_seconds == 7
    config.pipeline_timeout_seconds = 9
    assert config.workflow_timeout_seconds == 9
    config.workflow_timeout_seconds = None
    assert config.pipeline_timeout_seconds is None


def test_both_timeout_spellings_at_once_is_a_value_error():
    with pytest.raises(ValueError, match="not both"):
        cloaca.DefaultRunnerConfig(pipeline_timeout_seconds=5, workflow_timeout_seconds=6)


def test_zero_concurrency_is_a_value_error_naming_the_knob():
    with pytest.raises(ValueError, match="^max_concurrent_tasks must be at least 1, got 0$"):
        cloaca.DefaultRunnerConfig(max_concurrent_tasks=0)


def test_zero_concurrency_through_the_setter():
    config = cloaca.DefaultRunnerConfig()
    with pytest.raises(ValueError, match="max_concurrent_tasks"):
        config.max_concurrent_tasks = 0
    assert config.max_concurrent_tasks == 4


@pytest.mark.parametrize("name", ["pipeline_timeout_seconds", "db_pool_size", "task_timeout_seconds"])
def test_other_positive_knobs_reject_zero(name):
    with pytest.raises(ValueError, match=name):
        cloaca.DefaultRunnerConfig(**{name: 0})


def test_zero_is_fine_where_it_means_something():
    config = cloaca.DefaultRunnerConfig(cron_max_catchup_executions=0, cron_max_recovery_attempts=0)
    assert config.cron_max_catchup_executions == 0


@pytest.mark.parametrize("name", INT_KNOBS)
def test_negative_ints_are_overflow_errors(name):
    with pytest.raises(OverflowError, match=name):
        cloaca.DefaultRunnerConfig(**{name: -1})


@pytest.mark.parametrize("name, value", [
    ("max_concurrent_tasks", "4"),
    ("max_concurrent_tasks", 2.5),
    ("max_concurrent_tasks", True),
    ("db_pool_size", [10]),
    ("enable_recovery", 1),
    ("enable_cron_scheduling", "yes"),
])
def test_wrong_types_are_type_errors(name, value):
    with pytest.raises(TypeError, match=name):
        cloaca.DefaultRunnerConfig(**{name: value})


def test_wrong_type_through_a_setter():
    config = cloaca.DefaultRunnerConfig()
    with pytest.raises(TypeError, match="enable_recovery"):
        config.enable_recovery = "no"


def test_unknown_knob():
    with pytest.raises(TypeError):
        cloaca.DefaultRunnerConfig(max_concurrent_workflows=3)
    config = cloaca.DefaultRunnerConfig()
    with pytest.raises(AttributeError):
        config.max_concurrent_workflows
    with pytest.raises(AttributeError):
        config.max_concurrent_workflows = 3
