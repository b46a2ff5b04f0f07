"""Remote source adapters for the daemon (Tweede Kamer open data, KOOP SRU).

``remote_jobs`` returns one polling job per configured, enabled source.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def remote_jobs(monitor: Any) -> dict[str, tuple[Callable[[], Any], int]]:
    jobs: dict[str, tuple[Callable[[], Any], int]] = {}
    settings = monitor.settings
    if not settings.sources:
        return jobs
    from .adapters import poll_source  # noqa: PLC0415
    for spec in settings.sources:
        if spec.enabled:
            jobs[f"source:{spec.name}"] = (functools.partial(poll_source, monitor, spec),
                                           settings.schedule.remote_seconds)
    return jobs
