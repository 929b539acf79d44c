"""Work-arounds for GraalPy defects that a script written for CPython would notice. Imported by the
package, so every interpreter the JVM starts (the script's, worker interpreters, the REPL, ``cloaca
test``) has them before any script runs."""

import functools
import os
import sys
import time

#: The runtime's own ``time.sleep`` and clock; tests put a recorder and a clock of their own in their place.
_sleep = time.sleep
_monotonic = time.monotonic
#: The longest single sleep handed to the runtime: Ctrl-C is seen between two of them.
_SLICE = 0.05


@functools.wraps(_sleep)
def _sleep_exactly(secs):
    # GraalPy 25.0.3 sleeps up to a second too long when given an int (time.sleep(1) measured 1.15-1.99 s,
    # time.sleep(2) 2.6-3.0 s), and a sleep it is given a float for cannot be interrupted by Ctrl-C. So the
    # time is slept in short float slices until the deadline: exact, and a KeyboardInterrupt is raised
    # between two slices (within 50 ms), as CPython raises it at once.
    if not isinstance(secs, (int, float)):
        return _sleep(secs)  # the runtime refuses what Python refuses, with Python's message
    if secs < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = _monotonic() + secs
    while True:
        left = deadline - _monotonic()
        if left <= 0:
            return None
        _sleep(min(float(left), _SLICE))


time.sleep = _sleep_exactly


def _without_o_tmpfile():
    # GraalPy 25.0.3 has os.O_TMPFILE but opens such a file under a name of its own (/tmp/<digits>.tmp)
    # that nothing removes: every tempfile.TemporaryFile() left a file behind. Without the flag, tempfile
    # takes its portable path (mkstemp, then unlink while open), which leaves nothing. tempfile reads the
    # flag when it is first imported; the launcher may have imported it already.
    if hasattr(os, "O_TMPFILE"):
        del os.O_TMPFILE
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        tempfile._O_TMPFILE_WORKS = False


_without_o_tmpfile()


@functools.wraps(os.getppid)
def _getppid():
    # GraalPy 25.0.3's POSIX emulation (the sandbox allows no native access) has no getppid: it raised a
    # Java UnsupportedPosixFeatureException that Python cannot catch, ending the script. It has no
    # way to read /proc/self/stat either (Python reads /proc files as empty there), so the JVM answers:
    # the parent of its own process, which is the one os.getpid() names (under the background runtime,
    # the runtime's parent, not the `cloaca run` client's). Read at each call: a parent that exits
    # leaves the process to another, as with getppid(2).
    import cloaca
    return cloaca._host.parentPid()


os.getppid = _getppid


def _reading_proc(open_):
    # GraalPy 25.0.3 reads every /proc file as empty: its POSIX emulation trusts the size the kernel
    # reports, which is 0 there, so open('/proc/meminfo').read() gave '' where CPython gives the text.
    # A file under /proc opened for reading is opened for real first (so a missing file or a refused
    # one raises as it should), then served from what the JVM reads, which goes to the end. The bytes
    # are read at open, as a CPython program reading such a file at once would see them. os.read() on a
    # descriptor of such a file still reads nothing (README, known limits).
    import io

    @functools.wraps(open_)
    def open_with_proc(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None, closefd=True,
                       opener=None):
        f = open_(file, mode, buffering, encoding, errors, newline, closefd, opener)
        if opener is not None or isinstance(file, int) or not set(mode) <= set("rbt"):
            return f
        path = os.fsdecode(file)
        if path.startswith("/") and not path.startswith("/proc"):
            return f  # most opens: no normalising
        path = os.path.abspath(path)
        if not (path + "/").startswith("/proc/"):
            return f
        f.close()
        import cloaca
        data = io.BytesIO(cloaca._host.procFile(path).encode("latin-1"))
        data.name = file
        if "b" in mode:
            return data
        text = io.TextIOWrapper(data, encoding=encoding, errors=errors, newline=newline)
        text.mode = mode
        return text

    return open_with_proc


def _proc_aware_open():
    import builtins
    import io
    # Two objects under GraalPy: open() for scripts, io.open for pathlib and the standard library.
    builtins.open = _reading_proc(builtins.open)
    io.open = _reading_proc(io.open)


_proc_aware_open()
