"""Module-level names: smoke helpers, backend and version info, exported names."""
import re

import pytest

import cloaca


def test_hello_world():
    assert cloaca.hello_world() == "Hello from Cloaca backend!"


def test_hello_class():
    hello = cloaca.HelloClass()
    assert hello.get_message() == "Hello from HelloClass!"
    assert repr(hello) == "HelloClass(message='Hello from HelloClass!')"


def test_backend():
    assert cloaca.get_backend() == cloaca.__backend__ == "sqlite"


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", cloaca.__version__)
    assert cloaca.get_version() == cloaca.__version__


@pytest.mark.parametrize("name", [
    "Context", "task", "WorkflowBuilder", "Workflow", "register_workflow_constructor", "DefaultRunnerConfig",
    "DefaultRunner", "PipelineResult", "WorkflowResult", "TaskNamespace", "WorkflowContext", "RetryPolicy",
    "RetryPolicyBuilder", "BackoffStrategy", "RetryCondition", "hello_world", "HelloClass", "get_backend",
])
def test_public_names_are_exported(name):
    assert name in cloaca.__all__
    assert hasattr(cloaca, name)


def test_star_import():
    namespace = {}
    exec("from cloaca import *", namespace)
    assert "DefaultRunner" in namespace and "Context" in namespace


def test_no_custom_exception_classes():
    exported = [getattr(cloaca, n) for n in cloaca.__all__]
    assert not any(isinstance(o, type) and issubclass(o, BaseException) for o in exported)


# --- the sandbox of user scripts (DESIGN §7): what a workflow script may not do ---

def test_java_classes_cannot_be_looked_up():
    import java
    with pytest.raises(Exception, match="(?i)not (found|allowed|accessible)|denied|access"):
        java.type("java.lang.System")


def test_processes_cannot_be_created():
    import subprocess
    with pytest.raises(Exception):
        subprocess.run(["true"], check=True)


def test_native_extensions_cannot_be_loaded():
    with pytest.raises(ImportError):
        import ctypes  # noqa: F401


def test_the_host_object_exposes_only_its_exported_methods():
    with pytest.raises(AttributeError):
        cloaca._host.runners  # a private field of the Java host object


# --- the package's layout: one module per domain, read from the jar by the JVM's importer ---

def test_dir_lists_every_public_name_including_those_imported_on_first_use():
    assert set(cloaca.__all__) <= set(dir(cloaca))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'cloaca' has no attribute 'no_such_name'"):
        cloaca.no_such_name  # noqa: B018


def test_an_unknown_submodule_is_not_found():
    with pytest.raises(ModuleNotFoundError):
        import cloaca._no_such_module  # noqa: F401


def test_tracebacks_name_the_submodule_file():
    import traceback
    with pytest.raises(TypeError) as raised:
        cloaca.Context().set("k", object())
    files = [frame.filename for frame in traceback.extract_tb(raised.value.__traceback__)]
    assert "cloaca/_json.py" in files and "cloaca/_context.py" in files


def test_names_imported_on_first_use_are_the_submodules_objects():
    import cloaca._tenancy
    assert cloaca.DatabaseAdmin is cloaca._tenancy.DatabaseAdmin


def test_time_sleep_hands_the_runtime_short_float_slices_up_to_the_deadline(monkeypatch):
    # GraalPy oversleeps when given an int, and cannot interrupt a float sleep with Ctrl-C: cloaca's
    # time.sleep sleeps in float slices of at most 50 ms until the deadline (cloaca/_runtime_fixes.py).
    import time
    from cloaca import _runtime_fixes
    clock = [100.0]
    given = []

    def sleep(secs):
        given.append(secs)
        clock[0] += secs

    monkeypatch.setattr(_runtime_fixes, "_sleep", sleep)
    monkeypatch.setattr(_runtime_fixes, "_monotonic", lambda: clock[0])
    time.sleep(1)
    assert all(type(v) is float and 0 < v <= 0.05 for v in given)
    assert abs(sum(given) - 1.0) < 1e-9
    given.clear()
    time.sleep(0.12)
    assert [round(v, 9) for v in given] == [0.05, 0.05, 0.02]
    given.clear()
    time.sleep(0)
    assert given == []
    assert time.sleep.__name__ == "sleep"


def test_time_sleep_still_refuses_what_python_refuses():
    import time
    with pytest.raises(ValueError):
        time.sleep(-1)
    with pytest.raises(TypeError):
        time.sleep("1")


def test_temporary_files_leave_nothing_behind(tmp_path):
    # GraalPy's O_TMPFILE opened a named file that nothing removed (cloaca/_runtime_fixes.py).
    import tempfile
    for mode in ("w+b", "w+"):
        with tempfile.TemporaryFile(mode, dir=tmp_path) as f:
            f.write("data" if "b" not in mode else b"data")
            f.seek(0)
            assert f.read() in ("data", b"data")
    assert list(tmp_path.iterdir()) == []


def test_os_getppid_names_the_parent_of_the_process_os_getpid_names():
    # GraalPy's POSIX emulation has no getppid: it raised a Java exception that Python could not catch,
    # ending the script (cloaca/_runtime_fixes.py). The JVM answers it: the parent of this JVM's process,
    # which os.getpid() names, as the kernel says in /proc (readable since the fix below); DaemonIT
    # checks the same under the background runtime.
    import os
    ppid = os.getppid()
    assert type(ppid) is int and ppid > 0
    assert ppid != os.getpid()
    assert os.path.isdir(f"/proc/{ppid}")
    assert os.getppid() == ppid
    with open(f"/proc/{os.getpid()}/status") as status:
        assert f"PPid:\t{ppid}\n" in status.read()
    assert os.getppid.__name__ == "getppid"


def test_files_under_proc_read_as_under_cpython(tmp_path, monkeypatch):
    # GraalPy read every /proc file as empty (the kernel reports their size as 0); the JVM reads them
    # (cloaca/_runtime_fixes.py). Errors stay those of a real open, and other files are not touched.
    import io
    import pathlib
    with open("/proc/self/status") as f:
        assert f.read().startswith("Name:")
        assert f.name == "/proc/self/status" and f.mode == "r"
    with open("/proc/self/status", "rb") as f:
        assert f.read(5) == b"Name:"
    assert pathlib.Path("/proc/meminfo").read_text().startswith("MemTotal:")
    assert next(iter(io.open("/proc/version"))).startswith("Linux version")
    monkeypatch.chdir("/proc")
    assert open("version").read().startswith("Linux version")
    with pytest.raises(FileNotFoundError):
        open("/proc/no-such-file")
    monkeypatch.chdir(tmp_path)
    with open("proc", "w") as f:  # a relative name like /proc's but elsewhere: an ordinary file
        f.write("mine")
    with open("proc") as f:
        assert f.read() == "mine" and not isinstance(f.buffer, io.BytesIO)
