"""The source kinds: ``[[sources]] kind = "…"`` names one of these. Adding a kind is a module and a line here."""
from __future__ import annotations

from .base import Source, SourceSpec
from .odata import TkOData
from .sru import KoopSru
from .syncfeed import TkSyncFeed

# kind → class; the configuration accepts these kinds and no others, the poll driver builds sources from here.
SOURCES: dict[str, type[Source]] = {
    TkOData.kind: TkOData,
    TkSyncFeed.kind: TkSyncFeed,
    KoopSru.kind: KoopSru,
}


def kinds() -> tuple[str, ...]:
    """The registered kinds, in registration order (as listed in configuration errors)."""
    return tuple(SOURCES)


def source_for(spec: SourceSpec) -> Source:
    """The source a ``[[sources]]`` table configures; KeyError for a kind the configuration would have refused."""
    return SOURCES[spec.kind](spec)
