"""Fault injection for the crash-safety suite: a real process dies at a named point.

``MONITOR_FAULT="changes:3"`` makes the process SIGKILL itself the 3rd time it
passes the point ``changes`` (several: ``"ingest:2,topics:1"``). Points sit
right after a unit of work commits (``ingest``, ``topics``, ``changes``: one
letter each) or between the steps of a multi-step operation
(``changes-marked``: letters to recompute were marked, none recomputed yet).
Unset (always, outside the tests), :func:`point` costs one dictionary lookup.
"""
from __future__ import annotations

import os
import signal

ENV = "MONITOR_FAULT"
_passed: dict[str, int] = {}


def _targets(spec: str) -> dict[str, int]:
    out = {}
    for part in spec.split(","):
        name, _, n = part.strip().partition(":")
        if name:
            out[name] = int(n or 1)
    return out


def point(name: str) -> None:
    """Die here (SIGKILL: no clean-up, no flush) if ``MONITOR_FAULT`` names this point and pass."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    _passed[name] = _passed.get(name, 0) + 1
    if _targets(spec).get(name) == _passed[name]:
        os.kill(os.getpid(), signal.SIGKILL)
