"""How much work one letter may cost: the limits, and the checks that refuse a letter past one.

Pure: each check takes what was read so far and raises :class:`~monitor.parse.InputError` naming the limit
and its configuration key, so the caller records the file as failed (never half-stored). The checks are
small functions on purpose: they run wherever parsing runs (in-process, a worker, a pool).

Why bounds at all: a 6.7 KB Word file of millions of one-word paragraphs cost 79 s and became 59,000
statements; a 19.5 MB text (under the size limit) became 159,589 statements and 261,222 changes, after
which pages and feeds grew without bound. A real letter has at most a few hundred statements (the
development corpus: 161) of at most a thousand characters (960).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from .model import LetterMeta, Statement
from .parse import InputError


@dataclass(frozen=True)
class Limits:
    """The ``[limits]`` table of ``config.toml`` (ranges in ``monitor/config.py``, defaults in
    docs/operations.md)."""

    statements_per_letter: int = 5000  # a letter with more statements is refused
    statement_chars: int = 20000  # ... or with one statement longer than this
    paragraphs_per_document: int = 20000  # paragraphs read from one file (Word, XML, HTML, text) before refusing
    parse_seconds: float = 60.0  # reading one file: past this its worker is stopped and the file refused
    title_chars: int = 1000  # a title (sidecar, service, text) longer than this is refused
    field_chars: int = 300  # reference, kind, sender, dossier
    url_chars: int = 2000  # a letter's url; only http:// and https:// are accepted
    letter_page_statements: int = 500  # statements on one page of a letter (the rest on the next pages)


def refuse(what: str, limit: float, key: str, unit: str = "") -> InputError:
    """The one wording of a refusal: what was found, the limit and its key."""
    return InputError(f"{what}: more than the limit of {limit:g}{unit} (limits.{key}); refused, nothing stored")


def count_paragraphs(text: str) -> int:
    """Blocks of text separated by blank lines: how extracted text says "paragraph"."""
    return sum(1 for block in text.split("\n\n") if block.strip())


def check_paragraphs(count: int, limits: Limits, at_least: bool = False) -> None:
    """``at_least``: counting stopped once past the limit (a .docx), so the file may hold more."""
    if count > limits.paragraphs_per_document:
        what = f"{'at least ' if at_least else ''}{count:,} paragraphs"
        raise refuse(what, limits.paragraphs_per_document, "paragraphs_per_document")


def docx_paragraphs(data: bytes, stop_after: int) -> int:
    """Paragraph tags in a .docx's ``word/document.xml``, counted while it is unpacked in chunks.

    Counting stops past ``stop_after``: a file of millions of empty paragraphs is refused before a
    word-processing library builds a tree of them (that took gigabytes).
    """
    count, tail = 0, b""
    tags = (b"<w:p>", b"<w:p ", b"<w:p/>")  # "<w:pPr" and friends open no paragraph
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf, zf.open("word/document.xml") as fh:
            while count <= stop_after:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                # 4 bytes carried over: a tag split between chunks is seen, none is counted twice
                window = tail + chunk
                count += sum(window.count(t) for t in tags)
                tail = window[-4:]
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return 0  # not readable as a .docx: the reader itself says so
    return count


def check_statements(statements: list[Statement] | tuple[Statement, ...], limits: Limits) -> None:
    if len(statements) > limits.statements_per_letter:
        raise refuse(f"{len(statements):,} statements", limits.statements_per_letter, "statements_per_letter")
    longest = max((len(s.text) for s in statements), default=0)
    if longest > limits.statement_chars:
        raise refuse(f"a statement of {longest:,} characters", limits.statement_chars, "statement_chars")


_FIELDS = (("reference", "field_chars"), ("kind", "field_chars"), ("sender", "field_chars"),
           ("dossier", "field_chars"), ("title", "title_chars"), ("url", "url_chars"))


def check_meta(meta: LetterMeta, limits: Limits, origin: str = "metadata") -> None:
    """Refuse metadata a reader would be served as is: over-long fields, a URL that is not http(s).

    ``origin`` names where it came from (a sidecar's file name, a service).
    """
    for name, key in _FIELDS:
        value = getattr(meta, name) or ""
        limit = getattr(limits, key)
        if len(value) > limit:
            raise refuse(f"{origin}: {name} of {len(value):,} characters", limit, key, " characters")
    url = (meta.url or "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        shown = url if len(url) <= 60 else url[:57] + "..."
        raise InputError(f"{origin}: url must be an http:// or https:// URL, got {shown!r}; refused, nothing stored")


def clip_title(title: str, limits: Limits) -> str:
    """A title read from the text itself is shortened, not refused: the text is the letter."""
    if len(title) <= limits.title_chars:
        return title
    return title[: limits.title_chars - 1].rstrip() + "…"
