"""Plain dataclasses passed between the pure analysis stages.

parse → :class:`Extracted`; clean → :class:`Cleaned` (blocks, footnotes, flags);
segment → :class:`Statement` list; metadata → :class:`LetterMeta`.
None of these know about the database, HTTP or the scheduler.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

# Block and statement kinds. "procedural" covers salutations, addresses,
# datelines, subject lines and signatures: kept, never a position.
HEADING = "heading"
PARAGRAPH = "paragraph"
LIST_ITEM = "list_item"
PROCEDURAL = "procedural"
QUESTION = "question"


class ChangeKind(StrEnum):
    """What a letter did to the standing position on a topic: the one list of change kinds.

    The store, the CLI (``changes --kind``), the JSON API (``?kind=``), the pages, the feeds and the
    notification subscriptions all take their kinds from here. A member *is* its string value (``StrEnum``):
    it compares, hashes, formats and serialises as ``"modified"`` etc., so rows, change ids and exports written
    with plain strings read back equal to the members. :mod:`monitor.position` says what each kind means.
    """

    MODIFIED = "modified"
    ADDED = "added"
    INITIAL = "initial"
    NOT_RESTATED = "not_restated"
    REAFFIRMED = "reaffirmed"

    @classmethod
    def published(cls) -> tuple["ChangeKind", ...]:
        """The kinds that may be published (in this order on pages); ``reaffirmed`` never is."""
        return (cls.MODIFIED, cls.ADDED, cls.INITIAL, cls.NOT_RESTATED)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """Every kind's string, in declaration order: what ``--kind`` and ``?kind=`` accept."""
        return tuple(k.value for k in cls)


@dataclass(frozen=True)
class Extracted:
    """Text pulled out of a file, before cleaning.

    ``flavour`` says how to read it: ``plain`` (PDF or text lines with page
    furniture), or ``markdown`` (Markdown, or HTML/XML converted to it).
    """

    text: str
    flavour: str
    media_type: str
    warnings: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Footnote:
    number: str
    text: str


@dataclass(frozen=True)
class Flag:
    """Something odd in the text that a reader should know, not silently fixed."""

    kind: str  # e.g. "mixed-script"
    text: str
    detail: str = ""


@dataclass(frozen=True)
class Block:
    """A paragraph-level unit of cleaned text.

    ``notes`` are (offset in ``text``, footnote number) pairs where a footnote
    marker stood before it was taken out of the running text.
    """

    kind: str
    text: str
    notes: tuple[tuple[int, str], ...] = ()
    role: str = ""  # for procedural blocks: salutation, address, signature, …


@dataclass(frozen=True)
class Cleaned:
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...]
    flags: tuple[Flag, ...]
    found: dict[str, str]  # metadata seen in furniture and label blocks

    @property
    def text(self) -> str:
        """The cleaned text: blocks separated by one blank line."""
        return "\n\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class Statement:
    """One sentence (or heading, list item, procedural line) of a letter.

    ``start``/``end`` index the cleaned text; ``section`` is the heading it
    stands under; ``answers`` lists the question numbers an answer replies to.
    """

    position: int
    kind: str
    text: str
    start: int
    end: int
    section: str = ""
    section_kind: str = ""  # "question", "answer" or ""
    answers: tuple[str, ...] = ()
    paragraph: int = 0
    footnotes: tuple[str, ...] = ()
    role: str = ""

    @property
    def procedural(self) -> bool:
        return self.kind == PROCEDURAL


@dataclass(frozen=True)
class LetterMeta:
    title: str = ""
    date: dt.date | None = None
    kind: str = ""
    reference: str = ""
    sender: str = ""
    url: str = ""
    dossier: str = ""

    def merged(self, other: "LetterMeta") -> "LetterMeta":
        """Fields of ``other`` win where set (sidecar or service over text)."""
        return LetterMeta(**{
            k: (getattr(other, k) or getattr(self, k))
            for k in ("title", "date", "kind", "reference", "sender", "url", "dossier")
        })


@dataclass(frozen=True)
class ParsedLetter:
    """Everything the pure pipeline knows about one file.

    ``meta`` is the merged view; ``override`` is what a sidecar or data service
    said (it wins over what a letter stored earlier had), the rest came from
    the text and only fills gaps.
    """

    meta: LetterMeta
    cleaned: Cleaned
    statements: tuple[Statement, ...]
    extracted: Extracted
    override: LetterMeta | None = None
