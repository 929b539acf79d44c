"""Shared fixtures for the cloaca test suite.

The suite runs inside GraalPy against the real ``cloaca`` module and engine. Every test lives in one
Python runtime, so task ids and workflow names are process-wide: tests derive unique names from
their own node id (``wf_name``) to stay independent of each other and of the order they run in.
"""
import itertools
import re

import pytest

import cloaca

_counter = itertools.count()


def _unique(request, prefix):
    stem = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:40]
    return f"{prefix}{stem}_{next(_counter)}"


@pytest.fixture
def wf_name(request):
    """A workflow name no other test uses."""
    return _unique(request, "wf_")


@pytest.fixture
def uid(request):
    """A factory of ids unique to this test, for tasks decorated outside any builder."""
    base = _unique(request, "t_")
    return lambda name: f"{base}_{name}"


@pytest.fixture(scope="session")
def runner():
    """One in-memory runner shared by the tests that only need to execute workflows."""
    with cloaca.DefaultRunner(":memory:") as r:
        yield r


@pytest.fixture
def fresh_runner(tmp_path):
    """A runner of this test's own, on a SQLite file in the test's temp dir."""
    with cloaca.DefaultRunner(f"sqlite://{tmp_path / 'cloaca.db'}") as r:
        yield r


def fast_retries(attempts, **extra):
    """Keyword arguments for ``@cloaca.task`` giving quick, deterministic retries."""
    return dict(retry_attempts=attempts, retry_delay_ms=10, retry_backoff="fixed", retry_jitter=False, **extra)


def statuses(result):
    """``{task_id: status}`` of an execution."""
    return {t["task_id"]: t["status"] for t in result.task_results}
