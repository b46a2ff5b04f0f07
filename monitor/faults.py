"""Fault injection for the crash-safety suite: a real process dies (or stops) at a named point.

``MONITOR_FAULT="changes:3"`` makes the process SIGKILL itself the 3rd time it
passes the point ``changes`` (several: ``"ingest:2,topics:1"``). Points sit
right after a unit of work commits (``ingest``, ``topics``, ``changes``: one
letter each) or between the steps of a multi-step operation
(``changes-marked``: letters to recompute were marked, none recomputed yet).
``"topics:1:stop"`` makes it SIGSTOP itself there instead: frozen mid-work,
so a test can look at what it holds (the writer lock) and then SIGCONT it on.
``"topics:1:wait"`` holds only the thread that got there, until the file named by
``MONITOR_FAULT_RELEASE`` exists: the rest of the process (a daemon's HTTP server)
keeps answering, so a test can see what a reader sees mid-work.
Unset (always, outside the tests), :func:`point` costs one dictionary lookup.
"""
from __future__ import annotations

import os
import signal
import time

ENV = "MONITOR_FAULT"
RELEASE = "MONITOR_FAULT_RELEASE"
_passed: dict[str, int] = {}
_SIGNALS: dict[str, signal.Signals | None] = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP, "wait": None}


def _targets(spec: str) -> dict[str, tuple[int, signal.Signals | None]]:
    out = {}
    for part in spec.split(","):
        name, _, rest = part.strip().partition(":")
        n, _, action = rest.partition(":")
        if name:
            out[name] = (int(n or 1), _SIGNALS[action or "kill"])
    return out


def point(name: str) -> None:
    """Die here (SIGKILL: no clean-up, no flush), stop here until SIGCONT (SIGSTOP), or hold this thread until
    the release file exists (wait), if ``MONITOR_FAULT`` names this point and pass."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    _passed[name] = _passed.get(name, 0) + 1
    target = _targets(spec).get(name)
    if target is not None and target[0] == _passed[name]:
        if target[1] is None:  # wait: this thread only, until the test releases it
            while not os.path.exists(os.environ[RELEASE]):
                time.sleep(0.05)
            return
        os.kill(os.getpid(), target[1])
