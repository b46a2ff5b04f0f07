"""Position-diff benchmark: a corpus of N letters derived from the seeds by realistic edits.

    python bench/changes.py [--sizes 100,1000,10000] [--e2e 150]

Each synthetic letter takes a seed letter's statements and: reorders its
paragraphs, drops some statements, rewords some (synonyms), changes numbers
in some and modality in others (``faciliteert`` → ``onderzoekt``, ``blijft`` →
``is voornemens``, a negation), and adds a sentence. The number and modality
edits are the injected changes; the benchmark reports how many come back as
``modified`` with the right aspect, the cost of one new letter once N letters
are in the history (warm tracker, as in the daemon), and letters per second
end to end through the real store (parse, SQLite, topics, changes).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import load_settings  # noqa: E402
from monitor.model import Statement  # noqa: E402
from monitor.pipeline import parse_letter  # noqa: E402
from monitor.position import MODIFIED, PositionStatement, PositionTracker, can_hold_position  # noqa: E402
from monitor.sources.folder import candidate_for, discover  # noqa: E402
from monitor.topics import TopicScheme  # noqa: E402

SYNONYMS = {"belangrijk": "wezenlijk", "groot": "aanzienlijk", "steun": "ondersteuning", "inzet": "inspanning",
            "momenteel": "op dit moment", "verder": "voorts", "echter": "evenwel", "ook": "eveneens"}
MODALITY_EDITS = [(r"\bfaciliteert\b", "onderzoekt"), (r"\bblijft\b", "is voornemens te blijven"),
                  (r"\bzal\b", "kan"), (r"\bsteunt\b", "overweegt steun aan"), (r"\bis\b", "is niet")]
NEW_SENTENCES = [
    "Het kabinet verkent de mogelijkheden voor aanvullende humanitaire hulp aan Afghaanse vluchtelingen in de regio.",
    "Nederland zet in op versterkte terugkeersamenwerking met herkomstlanden binnen de EU.",
    "De veiligheidssituatie in het noorden van Afghanistan is de afgelopen maand verder verslechterd.",
    "Er wordt 12 miljoen euro extra beschikbaar gesteld voor noodhulp via UNICEF en WFP.",
]


PROVINCES = ("Herat", "Kandahar", "Balkh", "Kunduz", "Nangarhar", "Helmand", "Bamyan", "Ghazni", "Paktia", "Badakhshan")
TEMPLATES = (
    "Het kabinet stelt {n} miljoen euro beschikbaar voor noodhulp in {p} via programma {code}.",
    "Nederland ondersteunt de opvang van ontheemden in {p} met project {code} van UNHCR.",
    "De veiligheidssituatie in {p} verslechtert volgens rapport {code} van de VN.",
    "In overleg {code} is gesproken over de vrijwillige terugkeer van {n} Afghanen uit {p}.",
)


VOCABULARY: list[str] = []
TOPIC_WORDS = ("terugkeer", "asielzoekers", "noodhulp", "militairen", "vluchtelingen", "ontwikkelingssteun")


def fresh_statement(i: int, j: int, rng: random.Random) -> str:
    """A statement no letter said before (random seed vocabulary around a topic word), so history grows with N."""
    if rng.random() < 0.3:
        return rng.choice(TEMPLATES).format(n=rng.randint(2, 90), p=rng.choice(PROVINCES), code=f"AF-{i:05d}-{j}")
    words = rng.sample(VOCABULARY, 10)
    words.insert(rng.randint(1, 9), rng.choice(TOPIC_WORDS))
    return f"Het kabinet {' '.join(words)} in {rng.choice(PROVINCES)}."


def seed_letters(settings) -> list[tuple[list[Statement], list[dict]]]:
    scheme = TopicScheme(settings.topics)
    out = []
    vocab: set[str] = set()
    for f in discover([ROOT / "seeds"], settings.inbox.extensions):
        c = candidate_for(f, 10**8)
        p = parse_letter(c.data, c.name, c.override)
        out.append((list(p.statements), scheme.assign(p.statements)))
        vocab.update(w.lower() for s in p.statements for w in re.findall(r"[^\W\d_]{4,}", s.text))
    VOCABULARY[:] = sorted(vocab)
    return out


def _bump_number(text: str, rng: random.Random) -> str | None:
    m = re.search(r"\b\d+\b", text)
    if not m:
        return None
    return text[:m.start()] + str(int(m.group(0)) + rng.randint(1, 9)) + text[m.end():]


def _change_modality(text: str, rng: random.Random) -> str | None:
    options = [(p, r) for p, r in MODALITY_EDITS if re.search(p, text)]
    if not options:
        return None
    p, r = rng.choice(options)
    return re.sub(p, r, text, count=1)


def synth_letter(i: int, seeds, scheme: TopicScheme, rng: random.Random, day: dt.date,
                 last: dict[tuple[int, int], str] | None = None):
    """One synthetic letter: (key, date, by_topic statements, injected {uid: aspect}).

    ``last`` remembers what each seed statement said when last emitted: an edit
    counts as injected only when it differs from that (the standing version).
    """
    last = {} if last is None else last
    base_statements, _ = seeds[i % len(seeds)]
    paragraphs: dict[int, list[Statement]] = {}
    for s in base_statements:
        paragraphs.setdefault(s.paragraph, []).append(s)
    order = list(paragraphs)
    rng.shuffle(order)
    key = f"synth-{i:05d}"
    texts: list[str] = []
    injected: dict[str, str] = {}
    for p in order:
        for s in paragraphs[p]:
            if not can_hold_position(s.kind, s.text) or rng.random() < 0.15:
                continue
            text, aspect = s.text, None
            roll = rng.random()
            if roll < 0.05:
                text, aspect = _bump_number(text, rng) or text, "numbers"
            elif roll < 0.10:
                text, aspect = _change_modality(text, rng) or text, "modality"
            elif roll < 0.25:
                for a, b in SYNONYMS.items():
                    text = re.sub(rf"\b{a}\b", b, text, count=1)
            previous = last.get((i % len(seeds), s.position), s.text)
            if aspect and text == previous:
                aspect = None
            last[(i % len(seeds), s.position)] = text
            texts.append(text)
            if aspect:
                injected[f"{key}:{len(texts) - 1}"] = aspect
    texts.append(rng.choice(NEW_SENTENCES))
    texts.extend(fresh_statement(i, j, rng) for j in range(3))
    statements = [Statement(n, "paragraph", t, 0, len(t), paragraph=n) for n, t in enumerate(texts)]
    by_topic: dict[str, list[PositionStatement]] = {}
    for n, (st, topics) in enumerate(zip(statements, scheme.assign(statements))):
        if not topics:  # a statement without a topic is in no position: no change to expect
            injected.pop(f"{key}:{n}", None)
        for t in topics:
            by_topic.setdefault(t, []).append(PositionStatement(f"{key}:{n}", key, day, st.text))
    return key, day, by_topic, injected


def run_tracker(n: int, seeds, settings, probe: int = 20, seed: int = 7) -> dict[str, float]:
    scheme = TopicScheme(settings.topics)
    a = settings.analysis
    tracker = PositionTracker(a.similarity_threshold, a.same_point, a.restatement, a.candidates)
    rng = random.Random(seed)
    start = dt.date(2020, 1, 1)
    last: dict[tuple[int, int], str] = {}
    letters = [synth_letter(i, seeds, scheme, rng, start + dt.timedelta(days=i), last) for i in range(n + probe)]
    found = total = 0
    t0 = time.perf_counter()
    for key, day, by_topic, injected in letters[:n]:
        changes = tracker.process(key, day, by_topic)
        total += len(injected)
        hit = {c.new.uid for c in changes if c.kind == MODIFIED and c.new is not None
               and injected.get(c.new.uid) in c.aspects}
        found += len(hit & set(injected))
    build = time.perf_counter() - t0
    costs = []
    for key, day, by_topic, _ in letters[n:]:
        t1 = time.perf_counter()
        tracker.process(key, day, by_topic)
        costs.append(time.perf_counter() - t1)
    return {"n": n, "build_s": build, "letters_per_s": n / build, "recall": found / total if total else 1.0,
            "injected": total, "one_letter_ms": statistics.median(costs) * 1000,
            "standing": sum(len(v) for v in tracker.standing.values())}


def end_to_end(n: int, settings) -> float:
    """Letters per second through the real path: files → parse → SQLite → topics → changes."""
    from monitor.ingest import ingest_one
    from monitor.process import analyse_letters
    from monitor.store.db import ensure_schema, make_engine, session_factory, utcnow
    from monitor.timeline import Timeline

    rng = random.Random(3)
    seeds = sorted(p for p in (ROOT / "seeds").iterdir() if not p.name.endswith(".meta.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp, "inbox")
        inbox.mkdir()
        for i in range(n):
            src = seeds[i % len(seeds)]
            text = src.read_text(encoding="utf-8")
            sentences = text.split(". ")
            rng.shuffle(sentences)
            day = dt.date(2022, 1, 1) + dt.timedelta(days=i)
            body = f"Den Haag, {day.day} {['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'][day.month - 1]} {day.year}\n\n" + ". ".join(sentences)
            (inbox / f"letter-{i:04d}{src.suffix}").write_text(body, encoding="utf-8")
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        ensure_schema(engine)
        sessions = session_factory(engine)
        timeline = Timeline(settings)
        t0 = time.perf_counter()
        for f in sorted(inbox.iterdir()):
            r = ingest_one(sessions, candidate_for(f, 10**8), utcnow(), 10**8)
            analyse_letters(sessions, settings, utcnow(), [r.letter_id] if r.changed else [], timeline=timeline)
        return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--e2e", type=int, default=150, help="letters for the end-to-end run (0: skip)")
    args = ap.parse_args()
    settings = load_settings(ROOT / "config.toml", environ={})
    seeds = seed_letters(settings)
    results = [run_tracker(int(n), seeds, settings) for n in args.sizes.split(",")]
    print(f"{'N':>6} {'build s':>8} {'letters/s':>10} {'recall':>7} {'injected':>8} {'standing':>9} {'1 letter ms':>12}")
    for r in results:
        print(f"{r['n']:>6} {r['build_s']:>8.1f} {r['letters_per_s']:>10.1f} {r['recall']:>7.3f} "
              f"{int(r['injected']):>8} {int(r['standing']):>9} {r['one_letter_ms']:>12.1f}")
    if len(results) > 1:
        print(f"cost ratio of one new letter, N={results[-1]['n']} vs N={results[0]['n']}: "
              f"{results[-1]['one_letter_ms'] / results[0]['one_letter_ms']:.2f} (goal ≤ 1.5)")
    if args.e2e:
        print(f"end to end (files → SQLite → topics → changes), {args.e2e} letters: "
              f"{end_to_end(args.e2e, settings):.1f} letters/s")


if __name__ == "__main__":
    main()
