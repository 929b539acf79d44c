"""Work-arounds for GraalPy defects that a script written for CPython would notice. Imported by the
package, so every interpreter the JVM starts (the script's, worker interpreters, the REPL, ``cloaca
test``) has them before any script runs."""

import functools
import time

#: The runtime's own ``time.sleep``; tests put a recorder in its place.
_sleep = time.sleep


@functools.wraps(_sleep)
def _sleep_exactly(secs):
    # GraalPy 25.0.3 sleeps up to a second too long when given an int: time.sleep(1) measured 1.15-1.99 s,
    # time.sleep(2) 2.6-3.0 s, where sleep(1.0) took 1.002 s (threading and queue timeouts are exact).
    # A task that sleeps a whole number of seconds would run slower than under CPython for no reason.
    return _sleep(float(secs) if isinstance(secs, int) else secs)


time.sleep = _sleep_exactly
