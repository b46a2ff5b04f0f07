"""What every source hands to ingestion: a candidate letter file."""
from __future__ import annotations

from dataclasses import dataclass

from ..model import LetterMeta


@dataclass(frozen=True)
class Candidate:
    """One file to ingest. ``error`` is set when the source could not even get the bytes.

    ``override`` is metadata that wins over what the text suggests (a sidecar,
    or the data service's record); ``extra`` are bytes that count towards the
    source fingerprint (a sidecar's), so editing a sidecar is seen as a change.
    """

    kind: str
    locator: str
    name: str
    data: bytes | None = None
    override: LetterMeta | None = None
    external_id: str = ""
    extra: bytes = b""
    error: str = ""
    aliases: tuple[str, ...] = ()  # other ids of the letter at the services (TK number, GUID, KOOP id)
