"""The pure text pipeline for one file: extract → clean → segment → metadata.

No I/O: bytes in, :class:`~monitor.model.ParsedLetter` out. Raises
:class:`~monitor.parse.InputError` for unreadable input.
"""
from __future__ import annotations

from .clean import clean
import dataclasses

from . import limits as bounds
from .lang import Language
from .limits import Limits
from .metadata import from_text
from .model import LetterMeta, ParsedLetter
from .parse import DEFAULT_MAX_BYTES, InputError, extract, is_docx
from .segment import segment


def parse_letter(data: bytes, name: str, override: LetterMeta | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, lang: Language | None = None,
                 limits: Limits | None = None) -> ParsedLetter:
    """Parse one letter file; ``override`` (sidecar or service metadata) wins over the text.

    ``lang``: the language of the letter: its page furniture, sentences and dates (default Dutch).
    ``limits``: how much one letter may cost (:mod:`monitor.limits`); a letter past one is an
    :class:`InputError` naming the limit, raised before anything is built from the rest.
    """
    limits = limits or Limits()
    if override is not None:  # cheapest first: metadata the service or a sidecar gives
        bounds.check_meta(override, limits, "metadata (sidecar or service)")
    if is_docx(data):
        bounds.check_paragraphs(bounds.docx_paragraphs(data, limits.paragraphs_per_document), limits, at_least=True)
    extracted = extract(data, name, max_bytes=max_bytes)
    bounds.check_paragraphs(bounds.count_paragraphs(extracted.text), limits)
    cleaned = clean(extracted, lang)
    statements = segment(cleaned, lang)
    if not any(s.kind != "procedural" for s in statements):
        raise InputError("no statements found: the file holds no running text")
    bounds.check_statements(statements, limits)
    meta = from_text(cleaned, statements, extracted, lang)
    meta = dataclasses.replace(meta, title=bounds.clip_title(meta.title, limits))
    if override is not None:
        meta = meta.merged(override)
    return ParsedLetter(meta=meta, cleaned=cleaned, statements=tuple(statements), extracted=extracted,
                        override=override)


__all__ = ["parse_letter", "InputError"]
