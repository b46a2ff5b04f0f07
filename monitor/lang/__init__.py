"""What the analysis knows about a language, as data: one :class:`Language`, read from one folder.

Dutch lives in ``monitor/lang/nl/``: the function rules, page furniture, sentence splitting, number words
and units, modal verbs and negations, stop words, countries, office titles, anaphors and the Dutch
explanation labels, each in a commented file an analyst can read and edit without reading Python. The
analysis core receives a :class:`Language` (default: :func:`dutch`) the way it receives the topic scheme.

What holds:

* :func:`load` reads a folder once per process (cached by its resolved path) and compiles every pattern
  then; a :class:`Language` is frozen and compared by identity (so the core's caches can key on it);
* a file a language leaves out reads as empty: no rules, no words, patterns that match nothing;
* every error (a bad type, an unknown key, a pattern that does not compile) names the file and the key;
* :attr:`Language.fingerprint` hashes the bytes of every file of the folder; :meth:`Language.fingerprint_of`
  hashes the files one stage of the analysis reads, so a rule edit re-runs exactly the stages it affects.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import simplemma

from .cleaning import CleaningRules, read_cleaning
from .function import NON_POSITION, POSITION, FunctionRules, Rule, read_function
from .labels import Labels, read_labels
from .names import Countries, Names, read_countries, read_names
from .quantities import QuantityWords, read_quantities
from .read import LanguageError, Table, read_toml
from .signals import Signals, Weights, read_signals, read_weights
from .text import MetadataRules, SentenceRules, read_metadata, read_sentences
from .words import ModalityWords, StopWords, read_modality, read_stopwords

T = TypeVar("T")
DUTCH = Path(__file__).parent / "nl"

# The files each stage of the stored analysis reads. Parsing (cleaning, sentences, metadata) runs when a
# letter is stored; "topics" is topics, functions and scope; "changes" is alignment, quantities, modality
# and significance.
STAGE_FILES: dict[str, tuple[str, ...]] = {
    "parse": ("language.toml", "cleaning.toml", "sentences.toml", "metadata.toml", "stopwords.toml"),
    "topics": ("language.toml", "function.toml", "quantities.toml", "modality.toml", "stopwords.toml", "names.toml",
               "countries.txt", "labels.toml"),
    "changes": ("language.toml", "quantities.toml", "modality.toml", "stopwords.toml", "names.toml", "labels.toml",
                "signals.toml", "weights.toml"),
}

# Every file a language folder may hold (besides notes in Markdown): a stray or misspelt file is an error.
KNOWN_FILES = frozenset(name for names in STAGE_FILES.values() for name in names)

__all__ = ["DUTCH", "FunctionRules", "Language", "LanguageError", "NON_POSITION", "POSITION", "Rule", "STAGE_FILES",
           "dutch", "load"]


@dataclass(frozen=True, eq=False)
class Language:
    """One language's knowledge, compiled. Frozen; equal only to itself (hashable by identity)."""

    code: str  # the folder's name: "nl"
    folder: Path
    lemmas: str  # simplemma's language code for lemmas and known words ("nl"); "" for none
    function: FunctionRules
    quantities: QuantityWords
    stopwords: StopWords
    modality: ModalityWords
    cleaning: CleaningRules
    names: Names
    countries: Countries
    labels: Labels  # the words a reader sees in reasons and evidence (labels.toml)
    sentences: SentenceRules
    metadata: MetadataRules
    signals: Signals  # what a statement signals to a reader (signals.toml): features of the significance model
    weights: Weights  # the fitted significance model (weights.toml, written by `make fit`)
    files: dict[str, str] = field(default_factory=dict)  # file name → sha256 of its bytes

    @property
    def fingerprint(self) -> str:
        """A hash of every file of the language folder."""
        return _hash(sorted(self.files.items()))

    def fingerprint_of(self, stage: str) -> str:
        """A hash of the files the analysis ``stage`` ("topics", "changes") reads."""
        names = STAGE_FILES[stage]
        return _hash([(name, self.files.get(name, "")) for name in names])


def _hash(items: list[tuple[str, str]]) -> str:
    return hashlib.sha256("\n".join(f"{k} {v}" for k, v in items).encode()).hexdigest()[:16]


@lru_cache(maxsize=16)
def _load(folder: Path) -> Language:
    if not folder.is_dir():
        raise LanguageError(f"{folder}: no such language folder")
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
             and p.suffix != ".md"}
    for name in files:
        if name not in KNOWN_FILES:
            raise LanguageError(f"{name}: not a language file (known: {', '.join(sorted(KNOWN_FILES))}); a new "
                                f"kind of file is added to STAGE_FILES with the stages that read it")
    stopwords = _file(folder, "stopwords.toml", read_stopwords)
    return Language(code=folder.name, folder=folder, lemmas=_file(folder, "language.toml", _read_language),
                    function=_file(folder, "function.toml", read_function),
                    quantities=_file(folder, "quantities.toml", read_quantities),
                    stopwords=stopwords,
                    modality=_file(folder, "modality.toml", read_modality),
                    cleaning=_file(folder, "cleaning.toml", lambda t: read_cleaning(t, stopwords.wrapped_line_end)),
                    names=_file(folder, "names.toml", read_names),
                    countries=read_countries(folder),
                    labels=_file(folder, "labels.toml", read_labels),
                    sentences=_file(folder, "sentences.toml", read_sentences),
                    metadata=_file(folder, "metadata.toml", read_metadata),
                    signals=_file(folder, "signals.toml", read_signals),
                    weights=_file(folder, "weights.toml", read_weights),
                    files=files)


def _read_language(top: Table) -> str:
    code = top.string("lemmas", "")
    if code:
        try:
            simplemma.is_known("a", lang=code)
        except (ValueError, KeyError, OSError) as exc:
            raise top.error("lemmas", f"simplemma has no language {code!r} ({exc})") from None
    return code


def _file(folder: Path, name: str, reader: Callable[[Table], T]) -> T:
    top = read_toml(folder, name)
    out = reader(top)
    top.done()
    return out


def load(folder: Path | str) -> Language:
    """The language in ``folder``, read and compiled once per process."""
    return _load(Path(folder).resolve())


@lru_cache(maxsize=1)
def dutch() -> Language:
    """The default language: Dutch, from ``monitor/lang/nl/`` (cached itself: the core asks for it per call)."""
    return load(DUTCH)
