"""What a statement signals to a reader, as patterns (``signals.toml``), and the fitted weights of what
matters (``weights.toml``): the language's half of :mod:`monitor.significance`.

A signal is a named pattern with the label a reader sees when it counts ("procedure", "achtergrond").
The weights file is written by ``make fit`` (``eval/fit.py``) from judged examples of the development corpus,
never by hand; a language without one publishes by the hand-set rules of :mod:`monitor.significance`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .read import Table


@dataclass(frozen=True)
class Signal:
    name: str
    label: str  # what a reader sees in the reasons of a change
    pattern: re.Pattern[str]


@dataclass(frozen=True, eq=False)
class Signals:
    """The signals of a language, in file order (each may match nothing)."""

    signals: tuple[Signal, ...] = ()

    def found(self, text: str) -> frozenset[str]:
        """The names of the signals ``text`` shows (memoised: a statement is weighed once per topic it is a
        candidate in, and again each time a later letter leaves it unrepeated)."""
        return _found(self, text)

    def label(self, name: str) -> str:
        return next((s.label for s in self.signals if s.name == name), name)


@lru_cache(maxsize=50_000)
def _found(signals: Signals, text: str) -> frozenset[str]:
    return frozenset(s.name for s in signals.signals if s.pattern.search(text))


@dataclass(frozen=True, eq=False)
class Weights:
    """A fitted logistic model: significance = sigmoid(bias + Σ weight × feature); published from ``threshold``.

    Empty (``fitted`` false) when the language has no ``weights.toml``."""

    bias: float = 0.0
    threshold: float = 0.5
    kinds: tuple[str, ...] = ()  # the kinds of change the model scores; the others keep the hand-set rules
    weights: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # feature → the words a reader sees in "why"

    @property
    def fitted(self) -> bool:
        return bool(self.weights)


def read_signals(top: Table) -> Signals:
    """``[signals.NAME]`` tables: ``label`` and ``pattern`` (pieces joined), optional ``ignore_case``."""
    table = top.table("signals")
    out = []
    for name in table.keys():
        sub = table.table(name)
        flags = re.IGNORECASE if sub.boolean("ignore_case") else 0
        out.append(Signal(name, sub.string("label", name), sub.pattern("pattern", flags)))
        sub.done()
    table.done()
    return Signals(tuple(out))


def read_weights(top: Table) -> Weights:
    """``[model]`` bias and threshold, ``[weights]`` feature → number, ``[labels]`` feature → text."""
    model = top.table("model")
    bias, threshold = model.number("bias", 0.0), model.number("threshold", 0.5)
    kinds = model.raw("kinds") or []
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise model.error("kinds", "expected a list of change kinds")
    for key in ("fitted_on", "cross_validation"):  # provenance, for the reader
        model.raw(key)
    model.done()
    weights = top.numbers("weights")
    labels_table = top.table("labels")
    labels = {k: labels_table.string(k) for k in labels_table.keys()}
    labels_table.done()
    return Weights(bias, threshold, tuple(kinds), weights, labels)
