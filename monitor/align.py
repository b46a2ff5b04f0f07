"""Statement similarity and one-to-one alignment. Pure and in memory.

Similarity is the cosine of TF-IDF vectors over content lemmas and lemma
bigrams (simplemma via :mod:`monitor.lexicon`; Dutch function words dropped).
:class:`SimilarityIndex` finds candidates through an inverted index and
scans at most ``posting_cap`` most recent entries per feature, so the cost of
a query stays flat as history grows; candidates are then scored exactly.
"""
from __future__ import annotations

import math
from itertools import islice, repeat
from operator import mul
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon
from .lang import Language, dutch

# The words that carry no content when two statements are compared, and the conjunctions that split
# clauses, are the language's (monitor/lang/nl/stopwords.toml: similarity, clause_break).


def features(text: str, lang: Language | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(content lemmas, lemma bigrams) of a statement, in order; office titles are not content."""
    return _features(text, lang or dutch())


@lru_cache(maxsize=50_000)
def _features(text: str, lang: Language) -> tuple[tuple[str, ...], tuple[str, ...]]:
    stop = lang.stopwords.similarity
    stripped = lexicon.strip_office_titles(text, lang)
    # bigrams run over the parts of a compound, so "Resolute Support-missie" and "de missie Resolute
    # Support" share "resoluut support"; the compound itself is a unigram only (lemmatised once: the
    # unigrams are the parts plus the compounds, and their order matters to nobody)
    parts = [l for l in lexicon.lemmas(stripped, lang.lemmas) if len(l) > 1 and l not in stop]
    compounds = [w.lower() for w in lexicon.words(stripped) if "-" in w and w.lower() not in stop]
    bigrams = tuple(f"{a} {b}" for a, b in zip(parts, parts[1:]))
    return tuple(parts + compounds), bigrams


def _tf(bag: Counter[str]) -> tuple[tuple[str, float], ...]:
    """(feature, 1 + log(count)) of a bag, in its order: the TF half of a vector, the same for every IDF."""
    hit = _TF.get(id(bag))
    if hit is None or hit[0] is not bag:
        if len(_TF) > 50_000:
            _TF.clear()
        hit = (bag, tuple((f, 1 + math.log(n)) for f, n in bag.items()))
        _TF[id(bag)] = hit
    return hit[1]


# id(bag) → (bag, its TF): the bags are memoised (_bag), so each is weighed once; the bag is kept in the value,
# so its id cannot be reused by another while the entry lives
_TF: dict[int, tuple[Counter[str], tuple[tuple[str, float], ...]]] = {}


@lru_cache(maxsize=50_000)
def _bag(text: str, lang: Language) -> Counter[str]:
    """Feature counts of a text. Memoised and shared: callers never change the Counter they get."""
    uni, bi = _features(text, lang)
    return Counter(uni) + Counter(bi)


def clauses(text: str, lang: Language | None = None) -> list[str]:
    """The clauses of a long statement (≥ 3 content words each); empty when it has just one."""
    lang = lang or dutch()
    parts = [p for p in lang.stopwords.clause_break.split(text) if p and len(_features(p, lang)[0]) >= 3]
    return parts if len(parts) > 1 else []


def shared_phrases(a: str, b: str, generic: frozenset[str] = frozenset(), lang: Language | None = None
                   ) -> tuple[str, ...]:
    """Content-lemma bigrams both statements use ("vrijwillig terugkeer"): a point they share, not just words.

    A bigram with a ``generic`` lemma (the dossier's own name: "situatie afghanistan") shares no point.
    """
    shared = set(features(a, lang)[1]) & set(features(b, lang)[1])
    return tuple(sorted(p for p in shared if not generic.intersection(p.split())))


class SimilarityIndex:
    """Statements of one topic, searchable by similarity. Keys are the caller's (e.g. statement uids)."""

    def __init__(self, posting_cap: int = 50, query_features: int = 12, lang: Language | None = None):
        """``lang``: the language of the statements (its stop words and office titles; default Dutch)."""
        self.lang = lang or dutch()
        self.posting_cap = posting_cap
        self.query_features = query_features
        # key → (index size when computed, vector, clause vectors); refreshed when the
        # index has grown by a tenth, so IDF drift stays small and queries stay cheap
        self._vectors: dict[Hashable, tuple[int, dict[str, float], list[dict[str, float]]]] = {}
        self._bags: dict[Hashable, Counter[str]] = {}
        self._clause_bags: dict[Hashable, list[Counter[str]]] = {}
        self._postings: dict[str, dict[Hashable, None]] = defaultdict(dict)  # insertion-ordered sets
        self._df: Counter[str] = Counter()
        # IDF per feature while the index is unchanged: a letter's queries all run before its statements
        # are added, so each feature's IDF is computed once per letter, not once per vector
        self._idf_cache: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._bags)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._bags

    def add(self, key: Hashable, text: str) -> None:
        if key in self._bags:
            return
        bag = _bag(text, self.lang)
        self._bags[key] = bag
        parts = clauses(text, self.lang)
        if parts:
            self._clause_bags[key] = [_bag(p, self.lang) for p in parts]
        for f in bag:
            self._postings[f][key] = None
            self._df[f] += 1
        self._idf_cache.clear()

    def remove(self, key: Hashable) -> None:
        bag = self._bags.pop(key, None)
        self._clause_bags.pop(key, None)
        self._vectors.pop(key, None)
        if bag is None:
            return
        self._idf_cache.clear()
        for f in bag:
            self._postings[f].pop(key, None)
            self._df[f] -= 1
            if self._df[f] <= 0:
                del self._df[f]
                self._postings.pop(f, None)

    def _idf(self, feature: str) -> float:
        idf = self._idf_cache.get(feature)
        if idf is None:
            idf = math.log((len(self._bags) + 1) / (self._df.get(feature, 0) + 1)) + 1.0
            self._idf_cache[feature] = idf
        return idf

    def _vector(self, bag: Counter[str]) -> dict[str, float]:
        """The TF-IDF vector of a bag, scaled to unit length (so a cosine is a dot product)."""
        cache, idf = self._idf_cache, self._idf
        v = {f: tf * (cache.get(f) or idf(f)) for f, tf in _tf(bag)}  # an IDF is never 0: it is ≥ 1
        norm = math.sqrt(sum([w * w for w in v.values()]))
        return {f: w / norm for f, w in v.items()} if norm else {}

    @staticmethod
    def _cos(a: dict[str, float], b: dict[str, float]) -> float:
        """Cosine of two unit vectors (the products summed in ``a``'s order, as a loop would)."""
        if len(a) > len(b):
            a, b = b, a
        total: float = sum(map(mul, a.values(), map(b.get, a, repeat(0.0))))
        return total

    def _stored(self, key: Hashable) -> tuple[dict[str, float], list[dict[str, float]]]:
        n = len(self._bags)
        hit = self._vectors.get(key)
        if hit is None or n > hit[0] * 1.1 + 10:
            hit = (n, self._vector(self._bags[key]), [self._vector(b) for b in self._clause_bags.get(key, [])])
            self._vectors[key] = hit
        return hit[1], hit[2]

    def _score(self, q: dict[str, float], q_parts: list[dict[str, float]], key: Hashable) -> float:
        """Best of whole-statement and clause-to-clause similarity (long statements make several points)."""
        k, k_parts = self._stored(key)
        best = self._cos(q, k)
        for a in [q] + q_parts:
            for b in [k] + k_parts:
                if a is q and b is k:
                    continue
                best = max(best, CLAUSE_WEIGHT * self._cos(a, b))
        return best

    def _anchored(self, q: dict[str, float], key: Hashable) -> bool:
        """Do the two statements share a point: a lemma bigram, or two informative lemmas?

        Informative: in at most a third of the topic's statements ("Afghanistan"
        in a dossier on Afghanistan anchors nothing).
        """
        shared = [f for f in self._bags[key] if f in q]
        if any(" " in f for f in shared):
            return True
        limit = max(2, len(self._bags) / 3)
        return sum(1 for f in shared if self._df.get(f, 0) <= limit) >= 2

    def query(self, text: str, k: int = 20, threshold: float = 0.0) -> list[tuple[Hashable, float]]:
        """Up to ``k`` most similar stored keys with similarity ≥ threshold, best first."""
        q = self._vector(_bag(text, self.lang))
        if not q:
            return []
        # candidates: rarest features first, most recent postings first, bounded scan
        scores: Counter[Hashable] = Counter()
        present = [f for f in q if f in self._df]  # features nobody else has lead nowhere
        for f in sorted(present, key=lambda x: (self._df[x], x))[:self.query_features]:
            posting = self._postings.get(f)
            if not posting:
                continue
            # reversed() over an insertion-ordered dict starts at the newest entry in O(1)
            keys = islice(reversed(posting), self.posting_cap)
            w = q[f]
            for key in keys:
                scores[key] += w  # type: ignore[assignment]  # a Counter sums float weights; typeshed says int
        best = [key for key, _ in scores.most_common(max(k + 10, 30)) if self._anchored(q, key)]
        q_parts = [self._vector(_bag(p, self.lang)) for p in clauses(text, self.lang)]
        out = [(key, self._score(q, q_parts, key)) for key in best]
        out = [(key, s) for key, s in out if s >= threshold]
        out.sort(key=lambda x: (-x[1], str(x[0])))
        return out[:k]


# A clause-level match counts a little less than a whole-statement one.
CLAUSE_WEIGHT = 0.9


@dataclass(frozen=True)
class Match:
    new: int  # index into the new statements
    old: Hashable  # key in the index
    similarity: float


def align(new_texts: Sequence[str], index: SimilarityIndex, threshold: float, k: int = 20,
          allowed: Iterable[Hashable] | None = None) -> list[Match]:
    """One-to-one alignment of new statements to stored ones: greedy on similarity, best pairs first.

    Ties break on position, so the result is deterministic.
    """
    allow = set(allowed) if allowed is not None else None
    pairs: list[tuple[float, int, str, Hashable]] = []
    for i, text in enumerate(new_texts):
        for key, sim in index.query(text, k=k, threshold=threshold):
            if allow is None or key in allow:
                pairs.append((sim, i, str(key), key))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_new: set[int] = set()
    used_old: set[Hashable] = set()
    matches: list[Match] = []
    for sim, i, _, key in pairs:
        if i in used_new or key in used_old:
            continue
        used_new.add(i)
        used_old.add(key)
        matches.append(Match(i, key, round(sim, 4)))
    return sorted(matches, key=lambda m: m.new)
