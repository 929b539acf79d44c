"""Shared fixtures for the cloaca test suite.

The suite runs inside GraalPy against the real ``cloaca`` module and engine. Every test lives in one
Python runtime, so task ids and workflow names are process-wide: tests derive unique names from
their own node id (``wf_name``) to stay independent of each other and of the order they run in.
"""
import itertools
import os
import re
import uuid

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


#: The backend the runner fixtures use: "sqlite" (default) or "postgresql" (a fresh schema on
#: CLOACA_TEST_PG_URL, named with CLOACA_TEST_SCHEMA_PREFIX, whose schemas the JUnit harness drops).
BACKEND = os.environ.get("CLOACA_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("CLOACA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SCHEMA_PREFIX = os.environ.get("CLOACA_TEST_SCHEMA_PREFIX", "pytest_")


def private_database_url(tmp_path=None):
    """A database no other test uses, on the backend under test."""
    if BACKEND == "postgresql":
        return f"{PG_URL}?schema={SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    return ":memory:" if tmp_path is None else f"sqlite://{tmp_path / 'cloaca.db'}"


@pytest.fixture(scope="session")
def runner():
    """One runner shared by the tests that only need to execute workflows."""
    with cloaca.DefaultRunner(private_database_url()) as r:
        yield r


@pytest.fixture
def fresh_runner(tmp_path):
    """A runner of this test's own, on a database of its own."""
    with cloaca.DefaultRunner(private_database_url(tmp_path)) as r:
        yield r


def fast_retries(attempts, **extra):
    """Keyword arguments for ``@cloaca.task`` giving quick, deterministic retries."""
    return dict(retry_attempts=attempts, retry_delay_ms=10, retry_backoff="fixed", retry_jitter=False, **extra)


def statuses(result):
    """``{task_id: status}`` of an execution."""
    return {t["task_id"]: t["status"] for t in result.task_results}


class UnprintableError(Exception):
    """An exception whose ``str()`` itself raises: error paths must describe it all the same."""

    def __str__(self):
        raise RuntimeError("str failed")
