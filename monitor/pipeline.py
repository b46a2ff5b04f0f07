"""The pure text pipeline for one file: extract → clean → segment → metadata.

No I/O: bytes in, :class:`~monitor.model.ParsedLetter` out. Raises
:class:`~monitor.parse.InputError` for unreadable input.
"""
from __future__ import annotations

from .clean import clean
from .lang import Language
from .metadata import from_text
from .model import LetterMeta, ParsedLetter
from .parse import DEFAULT_MAX_BYTES, InputError, extract
from .segment import segment


def parse_letter(data: bytes, name: str, override: LetterMeta | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, lang: Language | None = None) -> ParsedLetter:
    """Parse one letter file; ``override`` (sidecar or service metadata) wins over the text.

    ``lang``: the language of the letter: its page furniture, sentences and dates (default Dutch).
    """
    extracted = extract(data, name, max_bytes=max_bytes)
    cleaned = clean(extracted, lang)
    statements = segment(cleaned, lang)
    if not any(s.kind != "procedural" for s in statements):
        raise InputError("no statements found: the file holds no running text")
    meta = from_text(cleaned, statements, extracted, lang)
    if override is not None:
        meta = meta.merged(override)
    return ParsedLetter(meta=meta, cleaned=cleaned, statements=tuple(statements), extracted=extracted,
                        override=override)


__all__ = ["parse_letter", "InputError"]
