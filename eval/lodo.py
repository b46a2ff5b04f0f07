#!/usr/bin/env python3
"""Choose analysis thresholds leave-one-dossier-out, and report the held-out numbers.

    python eval/lodo.py [--grid eval/grid.toml] [--jobs N] [--json OUT]

Every setting of the grid (``grid.toml``: lists of values per ``section.key``) is run on every corpus
dossier. Then, for each dossier in turn, the setting with the best mean objective on the *other* dossiers
is chosen and that dossier is scored with it: the held-out row. The macro-average of the held-out rows is
the number to report for "thresholds fitted on the corpus"; the setting chosen on all dossiers is the one
to put in config.toml, and only when its held-out macro beats the current setting's.

Objective per dossier: the mean of change recall, pair recall, headline in the top 3 and the judged
precision pooled over every verdict the dossier's sheets hold (``corpus.pooled_precision``).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

Setting = tuple[tuple[str, Any], ...]


def objective(row: dict[str, Any]) -> float:
    parts = [row["change_recall"], row["pair_recall"], row["headline_top3"]]
    if row.get("pooled_precision") is not None:
        parts.append(row["pooled_precision"])
    return sum(parts) / len(parts)


def run(dossier: corpus.Dossier, setting: Setting, workdir: Path) -> dict[str, Any]:
    export = corpus.export_dossier(dossier, workdir, dict(setting))
    row = corpus.evaluate.score(dossier.gold() | {"judged": []}, export)
    precision, judged, pub = corpus.pooled_precision(export, corpus.all_verdicts(dossier))
    row.update({"pooled_precision": precision, "pooled_judged": judged, "published": pub})
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--grid", default=str(Path(__file__).with_name("grid.toml")))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", dest="json_out")
    args = ap.parse_args(argv)
    with open(args.grid, "rb") as fh:
        grid = tomllib.load(fh)["grid"]
    keys = sorted(grid)
    settings: list[Setting] = [tuple(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]
    dossiers = [d for d in corpus.dossiers() if d.slug != corpus.SEEDS]
    with tempfile.TemporaryDirectory(prefix="policy-monitor-lodo-") as tmp:
        jobs = [(d, s) for s in settings for d in dossiers]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            rows = list(pool.map(lambda job: run(job[0], job[1], Path(tmp)), jobs))
    table = {(d.slug, s): r for (d, s), r in zip(jobs, rows)}

    def mean_objective(setting: Setting, slugs: list[str]) -> float:
        return statistics.fmean(objective(table[(slug, setting)]) for slug in slugs)

    slugs = [d.slug for d in dossiers]
    held_out = {}
    for slug in slugs:
        others = [s for s in slugs if s != slug]
        best = max(settings, key=lambda s: (mean_objective(s, others), s))
        held_out[slug] = (best, table[(slug, best)])
    overall = max(settings, key=lambda s: (mean_objective(s, slugs), s))

    def macro(rows_: list[dict[str, Any]]) -> dict[str, float]:
        keys_ = ("topic_macro_f1", "change_recall", "pair_recall", "headline_top3", "pooled_precision")
        return {k: round(statistics.fmean(r[k] for r in rows_ if r.get(k) is not None), 3) for k in keys_}

    print("per setting (mean over all dossiers, in-sample):")
    for s in settings:
        m = macro([table[(slug, s)] for slug in slugs])
        print(f"  {dict(s)}  objective {mean_objective(s, slugs):.3f}  {m}")
    print("\nheld out (each dossier scored with the setting chosen on the others):")
    for slug, (s, r) in held_out.items():
        print(f"  {slug:22} {dict(s)}  objective {objective(r):.3f}")
    held = macro([r for _, r in held_out.values()])
    print(f"\nheld-out macro: {held}")
    print(f"setting chosen on all dossiers: {dict(overall)}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump({"held_out_macro": held, "chosen": dict(overall),
                       "held_out": {k: {"setting": dict(s), "objective": objective(r)} for k, (s, r) in held_out.items()},
                       }, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
