#!/usr/bin/env python3
"""Draw a fresh sheet of what the current version publishes, per dossier, for a reader to judge.

    python eval/judge.py [--dossier SLUG ...] [--per-dossier N] [--seed S]

For each dossier whose current output has no sheet yet, writes ``eval/dossiers/<slug>/judged/<version>.toml``:
a stratified sample (``sample_judged.py``) of the published changes with ``verdict = ""``, the full old and
new texts as comments. A verdict given before to the very same item (topic, kind, new, old) in an earlier
sheet of the dossier is carried over and marked so, which leaves the reader only what is new. Fill in each
empty verdict with ``genuine`` or ``noise`` (rubric: ``docs/evaluation.md``); ``score.py`` counts a sheet only
while its version is the dossier's current output.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402


def _carry(sheet: str, verdicts: dict[tuple[str, str, str, str], tuple[str, str]]) -> tuple[str, int]:
    """Fill the verdicts known from earlier sheets into the drawn blocks; returns the text and how many."""
    out: list[str] = []
    block: dict[str, str] = {}
    carried = 0
    for line in sheet.splitlines():
        if line == "[[judged]]":
            block = {}
        elif " = " in line and not line.startswith("#"):
            key, _, raw = line.partition(" = ")
            if key in ("topic", "kind", "new", "old"):
                block[key] = tomllib.loads(f"v = {raw}")["v"]
            elif key == "verdict" and raw == '""':
                known = verdicts.get((block.get("topic", ""), block.get("kind", ""), block.get("new", ""),
                                      block.get("old", "")))
                if known:
                    line = f'verdict = "{known[0]}"   # carried from {known[1]}'
                    carried += 1
        out.append(line)
    return "\n".join(out) + "\n", carried


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dossier", action="append")
    ap.add_argument("--per-dossier", type=int, default=25, help="items drawn per dossier (all when fewer)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kept", type=int, default=0,
                    help="also draw this many kept (unpublished) changes per dossier into kept-<version>.toml: "
                         "examples for `make fit` of what the monitor holds back, never counted for precision")
    args = ap.parse_args(argv)
    sampler = Path(corpus.__file__).with_name("sample_judged.py")
    today = dt.date.today().isoformat()
    with tempfile.TemporaryDirectory(prefix="policy-monitor-judge-") as tmp:
        for dossier in corpus.dossiers(args.dossier):
            export = corpus.export_dossier(dossier, Path(tmp))
            version = corpus.version(export)
            kept = [dict(c, published=True) for c in export["changes"]
                    if c["kind"] != "reaffirmed" and c.get("published") is False]
            for what, changes, n, name in (("publishes", corpus.published(export), args.per_dossier, version),
                                           ("keeps back", kept, args.kept, f"kept-{version}")):
                if not n:
                    continue
                target = dossier.judged_dir / f"{name}.toml"
                if target.exists():
                    print(f"{dossier.slug}: {target.name} already drawn for this output")
                    continue
                if not changes:
                    print(f"{dossier.slug}: {what} nothing, nothing to judge")
                    continue
                path = Path(tmp) / f"{dossier.slug}-{name}.json"
                path.write_text(json.dumps({"changes": changes}, ensure_ascii=False), encoding="utf-8")
                drawn = subprocess.run([sys.executable, str(sampler), str(path), str(n), str(args.seed)],
                                       capture_output=True, text=True, check=True).stdout
                body, carried = _carry(drawn, corpus.all_verdicts(dossier))
                dossier.judged_dir.mkdir(exist_ok=True)
                target.write_text(
                    f"# Judged sample of what dossier {dossier.slug} {what} at output version {version}, drawn {today}.\n"
                    f"# Fill each empty verdict: genuine or noise (docs/evaluation.md).\n"
                    f'version = "{version}"\n'
                    f'drawn = "{today}"\n\n' + body, encoding="utf-8")
                todo = body.count('verdict = ""')
                print(f"{dossier.slug}: {target} ({todo} to judge, {carried} carried)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
