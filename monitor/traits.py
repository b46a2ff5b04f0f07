"""What the significance of a statement depends on: one dataclass, stored with the statement and read back. Pure.

The statement's own traits (its function and flags, decided by :mod:`monitor.function`) are stored in
``statement.function_evidence`` by :meth:`Traits.stored`, under the field names of :class:`Traits`, and read back
by :meth:`Traits.read`; the traits that depend on the topic (:data:`TOPIC_FIELDS`) come from the topic assignment
and are given to ``read``. What holds: ``Traits.read(t.stored(), own_terms=t.own_terms, topic_terms=t.topic_terms)
== t`` for every ``t``, and a stored dict missing a field (written before the field existed) reads as its default.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Traits:
    """What the significance of one statement on one topic depends on (see :mod:`monitor.significance`)."""

    function: str = "fact"
    government: bool = False  # the government takes the stance ("het kabinet", "Nederland zal")
    elaboration: bool = False  # it elaborates on the statement before it (anaphoric)
    hedged: bool = False  # conditional or tentative
    lead: bool = False  # the first sentence of its paragraph
    own_terms: bool = True  # the topic comes from the statement's own words, not from its context
    quantified: bool = False  # it counts something (an amount, people), not a date or a span of time
    realised: bool = False  # it reports something as having happened
    example: bool = False  # it illustrates a point already made
    recalls: bool = False  # it says it repeats what was said before
    topic_terms: int = 1  # how many of the topic's own terms it names (how central the topic is to it)

    def stored(self) -> dict[str, object]:
        """The statement's own traits as JSON (field name → value), without the topic's (:data:`TOPIC_FIELDS`)."""
        # every field is a str, bool or int: the fields themselves, not dataclasses.asdict's deep copy of them
        # (a sixth of a letter's analysis was asdict)
        return {name: getattr(self, name) for name in _STORED}

    @classmethod
    def read(cls, stored: Mapping[str, object] | None, *, own_terms: bool = True, topic_terms: int = 1) -> Traits:
        """The traits :meth:`stored` wrote (any other keys ignored), with the topic's traits given here."""
        values: dict[str, Any] = {}  # a str for "function", a bool for every flag (checked below)
        for f in _FIELDS:
            if f.name in TOPIC_FIELDS or stored is None or f.name not in stored:
                continue
            raw = stored[f.name]
            values[f.name] = str(raw) if f.name == "function" else bool(raw)
        return dataclasses.replace(cls(own_terms=own_terms, topic_terms=max(topic_terms, 1)), **values)


_FIELDS = dataclasses.fields(Traits)
# Traits of a statement on one topic rather than of the statement itself: stored with the topic assignment.
TOPIC_FIELDS = frozenset({"own_terms", "topic_terms"})
_STORED = tuple(f.name for f in _FIELDS if f.name not in TOPIC_FIELDS)  # what stored() writes, in field order
