#!/usr/bin/env python3
# Vendored from shared/eval/sample_judged.py (2026-12-04); eval/judge.py runs it per dossier.
"""sample_judged.py EXPORT.json N [SEED] -> a judging sheet in gold TOML form.

Draws N published changes from a project export (stratified by kind, the
feed's order breaking ties), and prints [[judged]] blocks with verdict = ""
for a reader to fill in ("genuine" or "noise"). The full old and new texts
are printed as comments so the reader judges what a subscriber would see.
Used each turn to measure precision on what the project publishes now,
not on a list sampled from an earlier design.
"""
import json
import random
import sys

export, n = json.load(open(sys.argv[1], encoding="utf-8")), int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
pub = [c for c in export["changes"] if c.get("kind") != "reaffirmed" and c.get("published", True) is not False]
by_kind: dict[str, list] = {}
for c in pub:
    by_kind.setdefault(c["kind"], []).append(c)
take = []
for kind, items in sorted(by_kind.items()):
    k = max(1, round(n * len(items) / len(pub)))
    take += rng.sample(items, min(k, len(items)))
print(f"# {len(take)} of {len(pub)} published changes; kinds: "
      + ", ".join(f"{k} {len(v)}" for k, v in sorted(by_kind.items())))
q = lambda s: json.dumps(s, ensure_ascii=False)
for c in take:
    new, old = c.get("new_text") or "", c.get("old_text") or ""
    print()
    print(f"# {c['kind']} {c.get('letter')} <- {c.get('previous_letter')}  significance {c.get('significance')}")
    print(f"# NEW: {new}")
    if old:
        print(f"# OLD: {old}")
    print("[[judged]]")
    print(f"topic = {q(c['topic'])}")
    print(f"kind = {q(c['kind'])}")
    if new:
        print(f"new = {q(new[:90])}")
    if old:
        print(f"old = {q(old[:90])}")
    print('verdict = ""')
