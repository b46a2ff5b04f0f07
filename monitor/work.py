"""The per-letter work of storing a file, as one call that never raises and returns plain data. Pure.

:func:`prepare_letter` parses one file (extract → clean → segment → metadata, :func:`monitor.pipeline.parse_letter`)
and returns a :class:`LetterWork`: the parsed letter, or why the file cannot be read. It crosses a process
boundary (:mod:`monitor.workers`), so it holds only dataclasses, tuples, strings and numbers.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass

from .limits import Limits
from .model import LetterMeta, ParsedLetter
from .parse import DEFAULT_MAX_BYTES, InputError
from .pipeline import parse_letter

__all__ = ["LetterWork", "prepare_letter"]


@dataclass(frozen=True)
class LetterWork:
    """A parsed letter, or why its file failed."""

    parsed: ParsedLetter | None = None
    error: str = ""  # the file cannot be read (an InputError): the message to record
    crash: str = ""  # a parser bug: the message to record, with ``trace`` for the log
    trace: str = ""


def prepare_letter(data: bytes, name: str, override: LetterMeta | None,
                   max_bytes: int = DEFAULT_MAX_BYTES, limits: Limits | None = None) -> LetterWork:
    """Parse one file; never raises (a failure is a result). ``limits``: its size and metadata checks
    (:mod:`monitor.limits`), run here, on the worker; past one the file fails naming the limit."""
    try:
        return LetterWork(parse_letter(data, name, override, max_bytes=max_bytes, limits=limits))
    except InputError as exc:
        return LetterWork(error=str(exc))
    except Exception as exc:  # a parser bug must not stop the other files  # noqa: BLE001
        return LetterWork(crash=f"could not parse: {type(exc).__name__}: {exc}", trace=traceback.format_exc())
