"""Service logs: one event per line on stdout, as ``key=value`` pairs (logfmt), for journald and log shippers.

What holds: every record becomes exactly one line (newlines in messages and
tracebacks are escaped), the first keys are always ``ts``, ``level``,
``logger`` and ``msg``, and the fields a caller passes with
``extra={"letter": ..., "source": ...}`` follow as their own keys, so a
shipper can index letter keys and source names without parsing messages.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from typing import IO

# The fields callers attach with ``extra=``, in the order they are printed.
FIELDS = ("source", "letter", "locator", "outcome", "seconds", "stored", "failed")
_BARE = re.compile(r"^[A-Za-z0-9_.:/@+\-]+$")


def _value(value: object) -> str:
    """A logfmt value: bare when it is one safe token, else double-quoted with escapes (one line always)."""
    text = str(value)
    if text and _BARE.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


class LogfmtFormatter(logging.Formatter):
    """``ts=2026-11-30T12:00:00.123Z level=info logger=monitor.daemon msg="…" source=tk letter=kst-…``."""

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        pairs = [("ts", ts), ("level", record.levelname.lower()), ("logger", record.name),
                 ("msg", record.getMessage())]
        pairs += [(f, getattr(record, f)) for f in FIELDS if getattr(record, f, None) not in (None, "")]
        if record.exc_info:
            pairs.append(("exc", self.formatException(record.exc_info)))
        return " ".join(f"{k}={_value(v)}" for k, v in pairs)


def parse_line(line: str) -> dict[str, str]:
    """The pairs of one logfmt line (the inverse of :class:`LogfmtFormatter`, for tests and tools)."""
    out: dict[str, str] = {}
    for m in re.finditer(r'([A-Za-z_]+)=("((?:[^"\\]|\\.)*)"|\S*)', line):
        raw = m.group(3)
        out[m.group(1)] = (m.group(2) if raw is None else
                           re.sub(r"\\(.)", lambda e: {"n": "\n", "r": "\r"}.get(e.group(1), e.group(1)), raw))
    return out


def setup_service_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Send every logger (ours, APScheduler's, uvicorn's) through one logfmt handler on stdout."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("monitor", "apscheduler", "uvicorn", "uvicorn.error"):
        logging.getLogger(name).setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's own handlers would print twice
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
