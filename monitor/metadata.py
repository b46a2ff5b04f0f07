"""Letter metadata from the text itself, and from sidecar files.

Text gives what it can (``Den Haag, 12 mei 2021``, ``Datum 10 juli 2026``,
``Betreft …``, Kamerstuk footers, ``Uw referentie 2026Z09763``, the signing
minister); a sidecar ``NAME.meta.toml`` or a data service's metadata wins
over what the text suggests (see :meth:`LetterMeta.merged`).
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from typing import Any

from . import references
from .lang import Language, dutch
from .lang.text import MetadataRules
from .model import PROCEDURAL, Cleaned, Extracted, LetterMeta, Statement

# Month names, the date pattern, letter kinds and signatures: monitor/lang/<code>/metadata.toml.
_Z_REF = re.compile(r"\b(\d{4}Z\d{5})\b")
SIDECAR_KEYS = ("title", "date", "kind", "reference", "url", "sender", "dossier")


class MetadataError(ValueError):
    pass


def parse_dutch_date(text: str, lang: Language | None = None) -> dt.date | None:
    """The first date written out in ``text`` ("12 mei 2021"), in the words of ``lang`` (default Dutch)."""
    rules = (lang or dutch()).metadata
    m = rules.date.search(text or "")
    if not m:
        return None
    months = {name: i for i, name in enumerate(rules.months, 1)}
    try:
        return dt.date(int(m.group(3)), months[m.group(2).lower()], int(m.group(1)))
    except (KeyError, ValueError):
        return None


def normalise_reference(ref: str) -> str:
    """``kst-27925-781``, ``Kamerstuk 21 501-02, nr. 2350`` → the one scheme (see :mod:`monitor.references`).

    The Toevoeging of a dossier is kept (``kst-21501-02-2350``); Z numbers are upper-cased.
    """
    return references.normalise(ref)


def _kind(subject: str, statements: list[Statement], rules: MetadataRules) -> str:
    low = subject.lower()
    if rules.kinds and any(s.section_kind == "answer" for s in statements):
        return rules.kinds[0].kind  # a letter that answers questions
    for kind in rules.kinds:
        if all(word in low for word in kind.words):
            return kind.kind
    return rules.default_kind


def from_text(cleaned: Cleaned, statements: list[Statement], extracted: Extracted,
              lang: Language | None = None) -> LetterMeta:
    """What the text says about its letter (words and patterns of ``lang``, default Dutch)."""
    lang = lang or dutch()
    rules = lang.metadata
    found = cleaned.found
    meta = extracted.meta
    date = parse_dutch_date(found.get("date_text", ""), lang)
    if date is None and meta.get("DCTERMS.issued"):
        try:
            date = dt.date.fromisoformat(meta["DCTERMS.issued"][:10])
        except ValueError:
            date = None
    subject = found.get("subject", "") or meta.get("OVERHEIDop.documenttitel", "") or meta.get("title", "")
    if not subject:
        header = next((s.text for s in statements if s.role == "header" and rules.letter_header
                       and rules.letter_header in s.text.upper()), "")
        first = next((s.text for s in statements if s.kind != PROCEDURAL and s.kind != "heading"), "")
        words = first.split()
        title = lang.cleaning.number_prefix.sub("", header)
        subject = (title[:1] + title[1:].lower()) if title else " ".join(words[:16]) + (" …" if len(words) > 16 else "")
    kind_hint = found.get("subject", "") or meta.get("OVERHEIDop.documenttitel", "")
    reference = found.get("reference", "")
    if not reference and found.get("dossier") and found.get("number"):
        reference = normalise_reference(f"kst-{found['dossier'].replace(' ', '')}-{found['number']}")
    if not reference and meta.get("dossier") and meta.get("number"):
        reference = normalise_reference(f"kst-{meta['dossier'].replace(' ', '')}-{meta['number']}")
    if not reference:
        z = _Z_REF.search(found.get("your_reference", ""))
        reference = z.group(1) if z else ""
    roles: list[str] = []
    for s in statements:
        if s.role == "signature" and rules.signature.match(s.text):
            roles.extend(r.strip().rstrip(",") for r in rules.signature_split.split(s.text))
    return LetterMeta(
        title=" ".join(subject.split()),
        date=date,
        kind=_kind(kind_hint, statements, rules),
        reference=reference,
        sender="; ".join(dict.fromkeys(roles)),
        dossier=found.get("dossier", "") or meta.get("dossier", ""),
    )


def parse_sidecar(data: bytes, name: str = "sidecar") -> LetterMeta:
    """Read a ``NAME.meta.toml`` sidecar; unknown keys and bad dates are errors naming the key."""
    try:
        raw: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MetadataError(f"{name}: not valid UTF-8 TOML: {exc}") from None
    for key in raw:
        if key not in SIDECAR_KEYS:
            raise MetadataError(f"{name}: unknown key {key!r} (known: {', '.join(SIDECAR_KEYS)})")
    date = raw.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise MetadataError(f"{name}: date: expected YYYY-MM-DD, got {raw['date']!r}") from None
    elif date is not None and not isinstance(date, dt.date):
        raise MetadataError(f"{name}: date: expected YYYY-MM-DD, got {date!r}")
    for key in ("title", "kind", "reference", "url", "sender", "dossier"):
        if key in raw and not isinstance(raw[key], str):
            raise MetadataError(f"{name}: {key}: expected a string")
    return LetterMeta(
        title=raw.get("title", ""), date=date, kind=raw.get("kind", ""),
        reference=normalise_reference(raw.get("reference", "")), url=raw.get("url", ""),
        sender=raw.get("sender", ""), dossier=str(raw.get("dossier", "")),
    )
