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


def slug(text: str, words: int = 8) -> str:
    """``Kamerbrief aangaande de toekomstige inzet`` → ``kamerbrief-aangaande-de-toekomstige-inzet``: ASCII."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text)[:words])


def letter_key(reference: str, text_sha256: str, date: "str | None" = None, title: str = "") -> str:
    """A letter's key: its official reference where known, else its date and a slug of its title (readable
    in a URL), else a hash of its cleaned text. The hash key stays an alias, so old links still lead there."""
    ref = re.sub(r"[^\w.-]+", "-", reference.strip()).strip("-")
    if ref:
        return ref
    words = slug(title)
    if date and words:
        return f"{date}-{words}"[:90]
    return hash_key(text_sha256)


def hash_key(text_sha256: str) -> str:
    return f"sha-{text_sha256[:16]}"


def statement_uid(letter: str, text: str, occurrence: int) -> str:
    """Stable statement id: the letter key, the normalised text and which repeat of it this is."""
    return "s-" + hashlib.sha1(f"{letter}\x1f{norm_text(text)}\x1f{occurrence}".encode()).hexdigest()[:16]


def statement_uids(letter: str, texts: "list[str] | tuple[str, ...]") -> list[str]:
    """The ids of a letter's statements in order: a repeated text counts its occurrences, so every id is
    distinct, and an edit elsewhere in the letter changes no other statement's id."""
    seen: dict[str, int] = {}
    out = []
    for text in texts:
        key = norm_text(text)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(statement_uid(letter, text, occurrence))
    return out
