"""DefaultRunner construction, URLs, execute errors, shutdown, threads; PipelineResult."""
import datetime
import re
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

import cloaca
from conftest import PG_URL, statuses

# as upstream (chrono's to_rfc3339): UTC as +00:00, a fraction of 3, 6 or 9 digits or none
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?\+00:00$")


@pytest.fixture
def greeting(wf_name):
    """A registered one-task workflow that writes a greeting; returns its name."""
    with cloaca.WorkflowBuilder(wf_name):
        @cloaca.task(id="greet")
        def greet(context):
            context.set("greeting", f"hello {context.get('who', 'world')}")
            return context
    return wf_name


class TestConstruction:
    @pytest.mark.parametrize("url", [":memory:", "sqlite://:memory:", "sqlite:///:memory:"])
    def test_in_memory_forms(self, url, greeting):
        with cloaca.DefaultRunner(url) as runner:
            assert runner.execute(greeting, cloaca.Context()).status == "Completed"

    def test_sqlite_file_forms(self, tmp_path, greeting):
        for url in (f"sqlite://{tmp_path}/a.db", str(tmp_path / "b.db"),
                    f"sqlite://{tmp_path}/c.db?mode=rwc&_journal_mode=WAL"):
            with cloaca.DefaultRunner(url) as runner:
                assert runner.execute(greeting, cloaca.Context()).status == "Completed"
        assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists() and (tmp_path / "c.db").exists()

    def test_a_file_database_persists_across_runners(self, tmp_path, greeting):
        url = f"sqlite://{tmp_path}/keep.db"
        with cloaca.DefaultRunner(url) as first:
            first.execute(greeting, cloaca.Context())
        with cloaca.DefaultRunner(url) as second:
            assert second.execute(greeting, cloaca.Context({"who": "again"})).status == "Completed"

    def test_unwritable_sqlite_path(self):
        with pytest.raises(RuntimeError, match="^Failed to create DefaultRunner: ") as info:
            cloaca.DefaultRunner("/nonexistent-dir/x.db")
        assert "/nonexistent-dir" in str(info.value)

    def test_unsupported_url_scheme(self):
        with pytest.raises(ValueError, match="^Failed to create DefaultRunner: ") as info:
            cloaca.DefaultRunner("mysql://x/y")
        message = str(info.value)
        assert "mysql://x/y" in message
        for accepted in ("postgresql://", "sqlite://", ":memory:"):
            assert accepted in message

    def test_postgres_host_names_with_underscores_are_hosts(self):
        # parsed (no ValueError), then refused by the resolver with the host named; the password stays hidden
        with pytest.raises(RuntimeError, match="^Failed to create DefaultRunner: ") as info:
            cloaca.DefaultRunner("postgresql://app:s3cret@db_primary.invalid:5432/app")
        message = str(info.value)
        assert "unknown host 'db_primary.invalid'" in message
        assert "postgresql://app:***@db_primary.invalid:5432/app" in message
        assert "s3cret" not in message

    def test_postgres_port_nobody_listens_on(self):
        with pytest.raises(RuntimeError, match="^Failed to create DefaultRunner: Cannot connect to database ") as info:
            cloaca.DefaultRunner("postgresql://postgres@127.0.0.1:1/postgres?sslmode=disable")
        assert "Connection to 127.0.0.1:1 refused" in str(info.value)

    def test_postgres_unknown_database_gives_the_servers_reason(self):
        pg = urlsplit(PG_URL)
        url = urlunsplit((pg.scheme, pg.netloc, "/no_such_database_x9", "", ""))
        with pytest.raises(RuntimeError, match="^Failed to create DefaultRunner: ") as info:
            cloaca.DefaultRunner(url)
        assert 'database "no_such_database_x9" does not exist' in str(info.value)

    @pytest.mark.parametrize("url, reason", [
        ("postgresql://u:s3cret@h:99999/db", "invalid port '99999', expected a number from 1 to 65535"),
        ("postgresql://u:s3cret@:5432/db", "empty host"),
        ("postgresql://u:s3cret@h/db?sslmod=require", "unknown parameter 'sslmod'"),
        ("postgresq://u:s3cret@h/db", "Unsupported database URL"),
    ])
    def test_malformed_postgres_urls_name_the_mistake(self, url, reason):
        with pytest.raises(ValueError, match="^Failed to create DefaultRunner: ") as info:
            cloaca.DefaultRunner(url)
        assert reason in str(info.value)
        assert "s3cret" not in str(info.value)

    def test_empty_url(self):
        with pytest.raises(ValueError, match="Database URL is empty"):
            cloaca.DefaultRunner("")

    def test_url_must_be_a_str(self):
        with pytest.raises(TypeError):
            cloaca.DefaultRunner(None)

    def test_with_config(self, greeting):
        config = cloaca.DefaultRunnerConfig(max_concurrent_tasks=1)
        with cloaca.DefaultRunner.with_config(":memory:", config) as runner:
            assert runner.execute(greeting, cloaca.Context()).status == "Completed"

    def test_with_config_needs_a_config(self):
        with pytest.raises(TypeError, match="DefaultRunnerConfig"):
            cloaca.DefaultRunner.with_config(":memory:", {"max_concurrent_tasks": 1})

    def test_repr(self):
        with cloaca.DefaultRunner(":memory:") as runner:
            assert repr(runner).startswith("DefaultRunner(")


class TestExecuteErrors:
    def test_unknown_workflow(self, runner):
        with pytest.raises(ValueError) as info:
            runner.execute("no_such_workflow", cloaca.Context())
        assert str(info.value) == ("Workflow execution failed: Pipeline execution failed: Failed to schedule "
                                   "workflow: Workflow not found in registry: no_such_workflow")

    def test_dict_instead_of_context(self, runner, greeting):
        with pytest.raises(TypeError, match="Context"):
            runner.execute(greeting, {"who": "dict"})

    def test_workflow_name_must_be_a_str(self, runner):
        with pytest.raises(TypeError):
            runner.execute(None, cloaca.Context())

    def test_pipeline_timeout(self, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="slow")
            def slow(context):
                time.sleep(2)
                return context

        config = cloaca.DefaultRunnerConfig(pipeline_timeout_seconds=1)
        with cloaca.DefaultRunner.with_config(":memory:", config) as runner:
            with pytest.raises(ValueError) as info:
                runner.execute(wf_name, cloaca.Context())
            assert str(info.value) == "Workflow execution failed: Pipeline timeout after 1s"


class TestShutdown:
    def test_context_manager_shuts_down(self, greeting):
        with cloaca.DefaultRunner(":memory:") as runner:
            pass
        with pytest.raises(ValueError, match="^Failed to send message to runtime thread"):
            runner.execute(greeting, cloaca.Context())

    def test_execute_after_shutdown(self, greeting):
        runner = cloaca.DefaultRunner(":memory:")
        runner.execute(greeting, cloaca.Context())
        runner.shutdown()
        with pytest.raises(ValueError, match="^Failed to send message to runtime thread"):
            runner.execute(greeting, cloaca.Context())

    def test_shutdown_is_idempotent(self):
        runner = cloaca.DefaultRunner(":memory:")
        runner.shutdown()
        runner.shutdown()

    def test_exit_does_not_swallow_exceptions(self):
        with pytest.raises(KeyError):
            with cloaca.DefaultRunner(":memory:"):
                raise KeyError("inside")


class TestConcurrentCallers:
    def test_several_threads_execute_at_once(self, runner, greeting):
        results, errors = {}, []

        def call(i):
            try:
                result = runner.execute(greeting, cloaca.Context({"who": f"caller {i}"}))
                results[i] = (result.status, result.final_context.get("greeting"))
            except Exception as e:  # reported by the assertion below
                errors.append(e)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert results == {i: ("Completed", f"hello caller {i}") for i in range(8)}


class TestPipelineResult:
    @pytest.fixture
    def result(self, runner, greeting):
        return runner.execute(greeting, cloaca.Context({"who": "tests"}))

    def test_status(self, result):
        assert result.status == "Completed"

    def test_times_are_rfc3339_utc(self, result):
        assert RFC3339.match(result.start_time), result.start_time
        assert RFC3339.match(result.end_time), result.end_time
        start = datetime.datetime.fromisoformat(result.start_time)
        end = datetime.datetime.fromisoformat(result.end_time)
        assert start.utcoffset() == datetime.timedelta(0)
        assert start <= end

    def test_final_context(self, result):
        ctx = result.final_context
        assert isinstance(ctx, cloaca.Context)
        assert ctx.to_dict() == {"who": "tests", "greeting": "hello tests"}

    def test_final_context_is_new_on_each_access(self, result):
        first = result.final_context
        first.set("greeting", "changed")
        assert result.final_context is not first
        assert result.final_context.get("greeting") == "hello tests"

    def test_error_message_is_none_on_success(self, result):
        assert result.error_message is None

    def test_repr(self, result):
        assert repr(result) == "PipelineResult(status=Completed, error=None)"

    def test_workflow_result_alias(self, result):
        assert cloaca.WorkflowResult is cloaca.PipelineResult
        assert isinstance(result, cloaca.WorkflowResult)

    def test_not_constructible(self):
        with pytest.raises(TypeError):
            cloaca.PipelineResult()

    def test_task_results(self, result, greeting):
        [row] = result.task_results
        assert row["task_id"] == "greet"
        assert row["task_name"] == f"public::embedded::{greeting}::greet"
        assert row["status"] == "Completed"
        assert row["attempts"] == 1
        assert row["error"] is None
        assert RFC3339.match(row["started_at"]) and RFC3339.match(row["completed_at"])
        assert statuses(result) == {"greet": "Completed"}

    def test_task_results_is_a_new_list_on_each_access(self, result):
        first = result.task_results
        first[0]["status"] = "edited"
        assert result.task_results[0]["status"] == "Completed"

    def test_result_stays_readable_after_shutdown(self, greeting):
        with cloaca.DefaultRunner(":memory:") as runner:
            result = runner.execute(greeting, cloaca.Context({"who": "later"}))
        assert result.status == "Completed"
        assert result.final_context.get("greeting") == "hello later"
        assert statuses(result) == {"greet": "Completed"}

    def test_execution_id_and_workflow_name(self, result, greeting):
        assert result.workflow_name == greeting
        assert re.fullmatch(r"[0-9a-f-]{36}", result.execution_id)

    def test_failed_result(self, runner, wf_name):
        with cloaca.WorkflowBuilder(wf_name):
            @cloaca.task(id="explode", retry_attempts=1)
            def explode(context):
                raise RuntimeError("no luck")

        result = runner.execute(wf_name, cloaca.Context({"input": 1}))
        assert result.status == "Failed"
        assert result.error_message == "1 task(s) failed, 0 completed, 0 skipped"
        assert repr(result) == "PipelineResult(status=Failed, error=1 task(s) failed, 0 completed, 0 skipped)"
        # no task produced output: the final context is the initial one
        assert result.final_context.to_dict() == {"input": 1}
