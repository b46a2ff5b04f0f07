"""The development corpus: dossiers of real letters with hand-written gold, run through the monitor and scored.

A dossier is a folder ``eval/dossiers/<slug>/`` holding ``dossier.toml`` (name, the subject a user would
follow), ``letters/`` (letter files with ``.meta.toml`` sidecars naming their public source), ``gold.toml``
(the format of ``evaluate.py``; written before the monitor saw the letters) and ``judged/`` (sheets of
published changes a reader judged, see ``judge.py``).

Each dossier is analysed in a database of its own, through the real command line (``policy-monitor ingest``
then ``export``), with the dossier's subject set through the documented environment overrides; nothing
here reaches into the analysis. What holds:

- the same code and letters give the same export, so the same scores;
- ``version`` of a dossier is a digest of what it publishes: a judged sheet counts for precision only while
  the output it judged is still the output (``docs/evaluation.md``).
"""
from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOSSIERS = HERE / "dossiers"
sys.path.insert(0, str(HERE))

import evaluate  # noqa: E402  (vendored scorer beside this file)

SEEDS = "seeds"  # the seed dossier: shown as a row, kept out of the corpus macro-average


@dataclass(frozen=True)
class Dossier:
    slug: str
    name: str
    folder: Path
    letters: Path
    subject: str
    terms: tuple[str, ...]

    @property
    def gold_path(self) -> Path:
        return self.folder / "gold.toml"

    @property
    def judged_dir(self) -> Path:
        return self.folder / "judged"

    def gold(self) -> dict[str, Any]:
        with open(self.gold_path, "rb") as fh:
            return tomllib.load(fh)


def load_dossier(folder: Path) -> Dossier:
    """One dossier from its folder; a missing or malformed ``dossier.toml`` is an error naming the file."""
    path = folder / "dossier.toml"
    try:
        with open(path, "rb") as fh:
            meta = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SystemExit(f"{path}: {exc}") from exc
    subject = meta.get("subject", {})
    letters = (folder / meta.get("letters", "letters")).resolve()
    if not letters.is_dir():
        raise SystemExit(f"{path}: letters folder {letters} does not exist")
    return Dossier(slug=folder.name, name=meta.get("name", folder.name), folder=folder, letters=letters,
                   subject=subject.get("name", ""), terms=tuple(subject.get("terms", ())))


def dossiers(only: list[str] | None = None) -> list[Dossier]:
    found = [load_dossier(p) for p in sorted(DOSSIERS.iterdir()) if (p / "dossier.toml").exists()]
    if only:
        unknown = set(only) - {d.slug for d in found}
        if unknown:
            raise SystemExit(f"no such dossier: {', '.join(sorted(unknown))} (have: {', '.join(d.slug for d in found)})")
        found = [d for d in found if d.slug in only]
    return found


def _monitor() -> list[str]:
    """The command line of the monitor in this environment (the venv's console script, else the module)."""
    script = Path(sys.executable).with_name("policy-monitor")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from monitor.cli import main; sys.exit(main())"]


def export_dossier(dossier: Dossier, workdir: Path, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Ingest the dossier's letters into a fresh SQLite database and return the export (the scorer's input).

    ``settings``: further configuration as ``{"analysis.same_point": 0.25}``, passed as the documented
    ``MONITOR_<SECTION>_<KEY>`` overrides (how a threshold is tried without editing config.toml)."""
    tag = "-".join(f"{k}={v}" for k, v in sorted((settings or {}).items()))
    name = dossier.slug + (f"-{hashlib.sha1(tag.encode()).hexdigest()[:8]}" if tag else "")
    db = workdir / f"{name}.db"
    out = workdir / f"{name}.json"
    for stale in (db, out, db.with_name(db.name + ".lock")):  # fresh: never a database of an earlier run
        stale.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update({
        "MONITOR_CONFIG": str(ROOT / "config.toml"),
        "MONITOR_DATABASE_URL": f"sqlite:///{db}",
        # TOML values, as every MONITOR_<SECTION>_<KEY> override
        "MONITOR_SUBJECT_NAME": json.dumps(dossier.subject, ensure_ascii=False),
        "MONITOR_SUBJECT_TERMS": json.dumps(list(dossier.terms), ensure_ascii=False),
    })
    for key, value in (settings or {}).items():
        section, _, field_ = key.partition(".")
        env[f"MONITOR_{section.upper()}_{field_.upper()}"] = json.dumps(value)
    for args in (["ingest", str(dossier.letters)], ["export", "--output", str(out)]):
        run = subprocess.run(_monitor() + args, env=env, cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"{dossier.slug}: policy-monitor {args[0]} failed ({run.returncode}):\n"
                               f"{run.stderr.strip()[-2000:]}")
    with open(out, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def published(export: dict[str, Any]) -> list[dict[str, Any]]:
    """What a subscriber is told: the scorer's rule (not reaffirmed, not ``"published": false``)."""
    return [c for c in export.get("changes", [])
            if c.get("kind") != "reaffirmed" and c.get("published", True) is not False]


def version(export: dict[str, Any]) -> str:
    """A digest of what the dossier publishes: the same output, the same version, whatever code produced it."""
    rows = sorted((c.get("topic") or "", c.get("kind") or "", c.get("letter") or "", c.get("old_text") or "",
                   c.get("new_text") or "") for c in published(export))
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:12]


@dataclass
class Sheets:
    """The judged sheets of a dossier: those of the current version count, the others are history."""

    current: list[dict[str, Any]] = field(default_factory=list)
    stale: int = 0  # sheets judged on an earlier output
    pending: int = 0  # items of current sheets still without a verdict


def load_sheets(dossier: Dossier, current_version: str) -> Sheets:
    out = Sheets()
    if not dossier.judged_dir.is_dir():
        return out
    for path in sorted(dossier.judged_dir.glob("*.toml")):
        if path.name.startswith("kept-"):  # what the monitor held back: examples for the fit, not precision
            continue
        with open(path, "rb") as fh:
            sheet = tomllib.load(fh)
        if sheet.get("version") != current_version:
            out.stale += 1
            continue
        for item in sheet.get("judged", []):
            if item.get("verdict") in ("genuine", "noise"):
                out.current.append(item)
            else:
                out.pending += 1
    return out


def verdict_key(change: dict[str, Any]) -> tuple[str, str, str, str]:
    """How a published change is named in a sheet (``sample_judged.py`` cuts both texts at 90 characters)."""
    return (change.get("topic") or "", change.get("kind") or "", (change.get("new_text") or "")[:90],
            (change.get("old_text") or "")[:90])


def pooled_precision(export: dict[str, Any], verdicts: dict[tuple[str, str, str, str], tuple[str, str]]
                     ) -> tuple[float | None, int, int]:
    """(share genuine, judged, published) over the published changes that any sheet of the dossier judged.

    For choosing between settings only: each setting publishes something else, and what was never judged is
    left out, so the number is biased towards the output the sheets were drawn from. Reported precision
    is ``score_dossier``'s, over sheets of the current output."""
    pub = published(export)
    known = [verdicts[k][0] for k in map(verdict_key, pub) if k in verdicts]
    return (sum(v == "genuine" for v in known) / len(known) if known else None), len(known), len(pub)


def all_verdicts(dossier: Dossier) -> dict[tuple[str, str, str, str], tuple[str, str]]:
    """Every verdict ever given in this dossier, by (topic, kind, new, old): carried into new sheets."""
    found: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    if not dossier.judged_dir.is_dir():
        return found
    for path in sorted(dossier.judged_dir.glob("*.toml")):
        with open(path, "rb") as fh:
            for item in tomllib.load(fh).get("judged", []):
                if item.get("verdict") in ("genuine", "noise"):
                    key = (item.get("topic", ""), item.get("kind", ""), item.get("new", ""), item.get("old", ""))
                    found[key] = (item["verdict"], path.name)
    return found


def score_dossier(dossier: Dossier, workdir: Path) -> dict[str, Any]:
    """Run and score one dossier; judged precision only from sheets of the output as it is now."""
    export = export_dossier(dossier, workdir)
    gold = dossier.gold()
    current = version(export)
    sheets = load_sheets(dossier, current)
    gold["judged"] = sheets.current
    result = evaluate.score(gold, export)
    result.update({
        "dossier": dossier.slug,
        "name": dossier.name,
        "letters": len(export.get("letters", [])),
        "published": len(published(export)),
        "version": current,
        "judged_n": len(sheets.current),
        "judged_stale_sheets": sheets.stale,
        "judged_pending": sheets.pending,
        "gold_changes": len(gold.get("change", [])),
        "gold_pairs": sum(1 for c in gold.get("change", []) if c.get("old")),
        "gold_quotes": len(gold.get("topic", [])),
    })
    if not sheets.current:
        result["judged_precision"] = None
    return result


def score_all(selected: list[Dossier], jobs: int) -> list[dict[str, Any]]:
    from concurrent.futures import ThreadPoolExecutor  # the work is in subprocesses: threads suffice

    with tempfile.TemporaryDirectory(prefix="policy-monitor-eval-") as tmp:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(lambda d: score_dossier(d, Path(tmp)), selected))


METRICS = ("topic_macro_f1", "change_recall", "pair_recall", "forbidden_reported", "judged_precision",
           "headline_top3", "entry_items_median")


def macro(results: list[dict[str, Any]]) -> dict[str, float | None]:
    """Unweighted mean over dossiers (each dossier counts once, however many letters it has)."""
    rows = [r for r in results if r["dossier"] != SEEDS] or results
    out: dict[str, float | None] = {}
    for key in METRICS + tuple(f"f1_{t}" for t in _topics(results)):
        values = [_get(r, key) for r in rows]
        present = [v for v in values if v is not None]
        if key == "entry_items_median":
            out[key] = statistics.median(present) if present else None
        elif key == "forbidden_reported":
            out[key] = float(sum(present))
        else:
            out[key] = round(sum(present) / len(present), 3) if present else None
    # judged precision pooled over items as well: a dossier with 3 judged items should not weigh like one with 40
    judged = [(r["judged_precision"], r["judged_n"]) for r in rows if r.get("judged_precision") is not None]
    n = sum(k for _, k in judged)
    out["judged_n"] = float(n)
    out["judged_precision_pooled"] = round(sum(p * k for p, k in judged) / n, 3) if n else None
    return out


def _topics(results: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for r in results:
        for t in r.get("per_topic", {}):
            if t not in seen:
                seen.append(t)
    return seen


def _get(row: dict[str, Any], key: str) -> float | None:
    if key.startswith("f1_"):
        topic = row.get("per_topic", {}).get(key[3:])
        return topic["f1"] if topic else None
    value = row.get(key)
    return float(value) if isinstance(value, (int, float)) else None
