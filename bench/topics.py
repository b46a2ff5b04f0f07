"""Topic analysis speed: statements per second, against the cost of ingesting (parsing) the same letters.

    python bench/topics.py [REPEATS]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import load_settings  # noqa: E402
from monitor.pipeline import parse_letter  # noqa: E402
from monitor.sources.folder import candidate_for, discover  # noqa: E402
from monitor.topics import LetterContext, TopicScheme  # noqa: E402


def main(repeats: int = 20) -> None:
    settings = load_settings(ROOT / "config.toml", environ={})
    files = discover([ROOT / "seeds"], settings.inbox.extensions)
    cands = [candidate_for(f, 10**8) for f in files]
    scheme = TopicScheme(settings.topics)
    parse_letter(cands[0].data, cands[0].name)  # warm caches (simplemma dictionary)
    scheme.assign(parse_letter(cands[0].data, cands[0].name).statements)

    # best of the repeats: on a shared machine the best run is the one least disturbed by other work
    parse_runs, topic_runs = [], []
    parsed = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        parsed = [parse_letter(c.data, c.name, c.override) for c in cands]
        parse_runs.append(time.perf_counter() - t0)
    n = sum(len(p.statements) for p in parsed)
    contexts = [LetterContext(p.meta.title or "", p.meta.kind or "") for p in parsed]
    for _ in range(repeats):
        t0 = time.perf_counter()
        for p, ctx in zip(parsed, contexts):
            scheme.assign(p.statements, ctx)
        topic_runs.append(time.perf_counter() - t0)
    parse_s, topic_s = min(parse_runs), min(topic_runs)
    print(f"(best of {repeats} runs; median topic run {sorted(topic_runs)[repeats // 2] * 1000:.1f} ms)")
    print(f"letters: {len(parsed)}, statements: {n}")
    print(f"parse+clean+segment: {parse_s * 1000:.1f} ms for all ({n / parse_s:,.0f} statements/s)")
    print(f"topic assignment:    {topic_s * 1000:.1f} ms for all ({n / topic_s:,.0f} statements/s)")
    print(f"topics cost {topic_s / parse_s:.2f}x of parsing")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
