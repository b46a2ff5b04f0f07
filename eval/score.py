#!/usr/bin/env python3
"""Score the monitor on every dossier of the development corpus: one row per dossier and the macro-average.

    python eval/score.py [--dossier SLUG ...] [--jobs N] [--json OUT] [--check eval/floors.toml] [--details]

``--check`` exits 1 when a macro-average falls below its floor in ``floors.toml`` (or the forbidden count
rises above its ceiling): CI runs it, so a change that improves one dossier and breaks three fails.
Column meanings: ``docs/evaluation.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

COLUMNS = [  # (header, key, format)
    ("ltr", "letters", "{:>3.0f}"),
    ("F1 vei", "f1_veiligheid", "{:>6.2f}"),
    ("F1 ont", "f1_ontwikkeling", "{:>6.2f}"),
    ("F1 mig", "f1_migratie", "{:>6.2f}"),
    ("F1 ter", "f1_terugkeer", "{:>6.2f}"),
    ("F1", "topic_macro_f1", "{:>5.2f}"),
    ("chg rec", "change_recall", "{:>7.2f}"),
    ("pair rec", "pair_recall", "{:>8.2f}"),
    ("forbid", "forbidden_reported", "{:>6.0f}"),
    ("judged P", "judged_precision", "{:>8.2f}"),
    ("(n)", "judged_n", "{:>4.0f}"),
    ("top3", "headline_top3", "{:>5.2f}"),
    ("items/entry", "entry_items_median", "{:>11.0f}"),
    ("published", "published", "{:>9.0f}"),
]


def _cell(value: float | None, fmt: str, width: int) -> str:
    return "—".rjust(width) if value is None else fmt.format(value)


def table(results: list[dict[str, Any]], avg: dict[str, float | None]) -> str:
    name_w = max(len(r["dossier"]) for r in results + [{"dossier": "macro (corpus)"}])
    head = "dossier".ljust(name_w) + "  " + "  ".join(h.rjust(len(h)) for h, _, _ in COLUMNS)
    lines = [head, "-" * len(head)]
    for r in results:
        cells = [_cell(corpus._get(r, key), fmt, len(h)) for h, key, fmt in COLUMNS]
        lines.append(r["dossier"].ljust(name_w) + "  " + "  ".join(cells))
    lines.append("-" * len(head))
    cells = []
    for h, key, fmt in COLUMNS:
        value = avg.get(key)
        if key == "judged_precision":
            value = avg.get("judged_precision_pooled")
        if key in ("letters", "published"):
            value = sum(r.get(key) or 0 for r in results if r["dossier"] != corpus.SEEDS)
        cells.append(_cell(value, fmt, len(h)))
    lines.append("macro (corpus)".ljust(name_w) + "  " + "  ".join(cells))
    return "\n".join(lines)


def check(avg: dict[str, float | None], floors_path: Path) -> list[str]:
    """The floors the corpus macro-average must hold; each failure is one line naming the metric."""
    with open(floors_path, "rb") as fh:
        floors = tomllib.load(fh)
    failures = []
    for key, floor in floors.get("floor", {}).items():
        value = avg.get(key)
        if value is None or value < floor:
            failures.append(f"{key}: {value} is below the floor {floor}")
    for key, ceiling in floors.get("ceiling", {}).items():
        value = avg.get(key)
        if value is None or value > ceiling:
            failures.append(f"{key}: {value} is above the ceiling {ceiling}")
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dossier", action="append", help="score only this dossier (repeatable)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", dest="json_out", help="write every number (per dossier and macro) as JSON")
    ap.add_argument("--check", help="floors file: exit 1 when the corpus macro-average falls below one")
    ap.add_argument("--details", action="store_true", help="list missed changes, pairs and forbidden ones")
    args = ap.parse_args(argv)

    started = time.monotonic()
    results = corpus.score_all(corpus.dossiers(args.dossier), args.jobs)
    avg = corpus.macro(results)
    print(table(results, avg))
    stale = [r["dossier"] for r in results if r["judged_n"] == 0]
    if stale:
        print(f"\njudged precision not measured (no sheet of the current output; run `make judge`): {', '.join(stale)}")
    if args.details:
        for r in results:
            for label, key in (("missed change", "missed_changes"), ("missed pair", "missed_pairs"),
                               ("forbidden", "forbidden"), ("quote in no statement", "unmatched")):
                for text in r.get(key, []):
                    print(f"{r['dossier']}: {label}: {text}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump({"dossiers": results, "macro": avg}, fh, ensure_ascii=False, indent=1)
    print(f"\n{len(results)} dossiers scored in {time.monotonic() - started:.0f} s")
    if args.check:
        failures = check(avg, Path(args.check))
        for line in failures:
            print(f"FLOOR: {line}", file=sys.stderr)
        if failures:
            return 1
        print(f"all floors of {args.check} hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
