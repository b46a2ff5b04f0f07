"""Stable identifiers. Same input → same id, on any machine, in any order of ingest."""
from __future__ import annotations

import hashlib
import re
import unicodedata


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def norm_text(text: str) -> str:
    """Text as compared for identity: NFC, case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def letter_key(reference: str, text_sha256: str) -> str:
    """A letter's key: its official reference where known, else a hash of its cleaned text."""
    ref = re.sub(r"[^\w.-]+", "-", reference.strip()).strip("-")
    return ref if ref else f"sha-{text_sha256[:16]}"


def statement_uid(letter: str, text: str, occurrence: int) -> str:
    """Stable statement id: the letter key, the normalised text and which repeat of it this is."""
    return "s-" + hashlib.sha1(f"{letter}\x1f{norm_text(text)}\x1f{occurrence}".encode()).hexdigest()[:16]
