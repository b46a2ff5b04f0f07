#!/usr/bin/env python3
# Vendored from shared/eval/evaluate.py (2026-12-04) so that CI scores the corpus on a clean clone.
"""Score a policy-monitor export against a gold reference.

    evaluate.py GOLD.toml EXPORT.json [--json] [--judged SHEET.toml ...]

EXPORT.json is what the project's export command writes (format: README.md
beside this file). Prints one line per metric; with --json, one JSON object.
Exit status 0 whenever scoring ran (a low score is not an error), 2 when the
inputs cannot be read. With --judged, precision and recall are computed over
the filled sheets' [[judged]] items (see sample_judged.py) instead of the
gold file's own.
"""
from __future__ import annotations

import json
import re
import sys
import tomllib
import unicodedata

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ad": None})


def norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").translate(QUOTES)
    text = re.sub(r"-\s*\n\s*(?=[a-zà-ÿ])", "", text)  # a word broken over a line
    text = re.sub(r"\s+", " ", text)
    return text.strip().casefold()


def find_letter(export: dict, match: str) -> dict | None:
    needle = norm(match)
    for letter in export.get("letters", []):
        body = " ".join(norm(s.get("text", "")) for s in letter.get("statements", []))
        if needle in body or needle in norm(letter.get("title", "")):
            return letter
    return None


def statement_topics(letter: dict, quote: str) -> set[str] | None:
    """Topics of the statement(s) holding the quote; None where no statement holds it."""
    needle = norm(quote)
    hits = [s for s in letter.get("statements", []) if needle in norm(s.get("text", ""))]
    if not hits:
        return None
    found: set[str] = set()
    for s in hits:
        found.update(s.get("topics", []))
    return found


def score(gold: dict, export: dict) -> dict:
    scheme = gold["topics"]
    letters = {}
    missing_letters = []
    for g in gold.get("letter", []):
        found = find_letter(export, g["match"])
        if found is None:
            missing_letters.append(g["key"])
        letters[g["key"]] = found

    counts = {t: {"tp": 0, "fp": 0, "fn": 0} for t in scheme}
    unmatched = []
    for item in gold.get("topic", []):
        letter = letters.get(item["letter"])
        got = statement_topics(letter, item["quote"]) if letter else None
        required = set(item.get("required", []))
        optional = set(item.get("optional", []))
        if got is None:
            unmatched.append(item["quote"])
            for t in required:
                counts[t]["fn"] += 1
            continue
        for t in scheme:
            if t in optional:
                continue
            if t in required and t in got:
                counts[t]["tp"] += 1
            elif t in required:
                counts[t]["fn"] += 1
            elif t in got:
                counts[t]["fp"] += 1

    per_topic = {}
    for t, c in counts.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        per_topic[t] = {"precision": round(p, 3), "recall": round(r, 3),
                        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}
    macro_f1 = sum(v["f1"] for v in per_topic.values()) / len(per_topic)

    # what a subscriber sees: every change except reaffirmed ones and those
    # the export marks "published": false
    changes = [c for c in export.get("changes", [])
               if c.get("kind") != "reaffirmed" and c.get("published", True) is not False]

    def holds(change: dict, topic: str | None, new: str | None, old: str | None,
              kind: str | None = None) -> bool:
        if topic and change.get("topic") != topic:
            return False
        if kind and change.get("kind") != kind:
            return False
        if new is not None and norm(new) not in norm(change.get("new_text") or ""):
            return False
        return old is None or norm(old) in norm(change.get("old_text") or "")

    gold_changes = gold.get("change", [])
    found_changes = [c for c in gold_changes
                     if any(holds(x, c["topic"], c["new"], None) for x in changes)]
    paired = [c for c in gold_changes if c.get("old")]
    found_pairs = [c for c in paired
                   if any(holds(x, c["topic"], c["new"], c["old"]) for x in changes)]
    forbidden = [f for f in gold.get("forbid", [])
                 if any(holds(x, f.get("topic"), f.get("new"), f.get("old"), f.get("kind"))
                        and (not f.get("aspect") or f["aspect"] in (x.get("aspects") or []))
                        for x in changes)]

    # where a gold change stands in its feed entry (one entry per letter x
    # topic, most significant first): a reader looks at the first few items
    entries: dict[tuple, list] = {}
    for x in changes:
        entries.setdefault((x.get("letter"), x.get("topic")), []).append(x)
    for items in entries.values():
        items.sort(key=lambda x: -(x.get("significance") or 0.0))
    ranks = []
    for c in gold_changes:
        best = None
        for items in entries.values():
            for i, x in enumerate(items):
                if holds(x, c["topic"], c["new"], None):
                    best = i + 1 if best is None else min(best, i + 1)
        ranks.append(best)
    sizes = sorted(len(v) for v in entries.values()) or [0]

    # judged changes: a fixed set of reported changes, each judged by a
    # reader as "genuine" (a real change of position or fact worth telling
    # a subscriber) or "noise"; precision over those still published
    judged = gold.get("judged", [])
    published = [j for j in judged
                 if any(holds(x, j.get("topic"), j.get("new"), j.get("old"), j.get("kind"))
                        for x in changes)]
    genuine = [j for j in judged if j["verdict"] == "genuine"]
    genuine_published = [j for j in published if j["verdict"] == "genuine"]

    return {
        "letters_found": f"{len(letters) - len(missing_letters)}/{len(letters)}",
        "missing_letters": missing_letters,
        "topic_macro_f1": round(macro_f1, 3),
        "per_topic": per_topic,
        "quotes_unmatched": len(unmatched),
        "unmatched": unmatched,
        "change_recall": round(len(found_changes) / len(gold_changes), 3) if gold_changes else 1.0,
        "missed_changes": [c["new"] for c in gold_changes if c not in found_changes],
        "pair_recall": round(len(found_pairs) / len(paired), 3) if paired else 1.0,
        "missed_pairs": [c["new"] for c in paired if c not in found_pairs],
        "forbidden_reported": len(forbidden),
        "forbidden": [f.get("new") or f.get("old") for f in forbidden],
        "changes_reported": len(changes),
        "headline_top3": round(sum(1 for r in ranks if r and r <= 3) / len(ranks), 3) if ranks else 1.0,
        "headline_ranks": ranks,
        "entry_items_median": sizes[len(sizes) // 2],
        "entry_items_p90": sizes[min(len(sizes) - 1, int(len(sizes) * 0.9))],
        "judged_precision": round(len(genuine_published) / len(published), 3) if published else None,
        "judged_recall": round(len(genuine_published) / len(genuine), 3) if genuine else None,
        "judged_noise_published": len(published) - len(genuine_published),
    }


def main(argv: list[str]) -> int:
    # --judged SHEET (repeatable): judge with the filled sheets' [[judged]]
    # items instead of the gold file's own (a fresh sample of this version)
    sheets, rest, it = [], [], iter(argv)
    for a in it:
        if a == "--judged":
            sheets.append(next(it, ""))
        else:
            rest.append(a)
    args = [a for a in rest if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(args[0], "rb") as f:
            gold = tomllib.load(f)
        with open(args[1], encoding="utf-8") as f:
            export = json.load(f)
        if sheets:
            gold["judged"] = []
            for sheet in sheets:
                with open(sheet, "rb") as f:
                    gold["judged"] += tomllib.load(f).get("judged", [])
    except (OSError, ValueError) as e:
        print(f"evaluate: cannot read input: {e}", file=sys.stderr)
        return 2
    result = score(gold, export)
    if "--json" in rest:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
