"""What following more subjects costs: ingest with one and with several, adding subjects to a stored history.

    python bench/subjects.py [--dossier jbz-raad]

Letters: the seeds plus a corpus dossier's letters (``eval/dossiers/<slug>/letters``; the JBZ council reports
speak of many countries). Through the real CLI on fresh SQLite files; printed (seconds, wall clock):

* ingest with the shipped config (Afghanistan), and with Afghanistan plus three countries by name;
* on the one-subject store, the ingest that follows the three more (re-scope, and their changes only),
  against a full ``analyse`` of the four-subject store;
* letters mostly about subjects not followed, as the one-subject ingest reported them.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MORE = "\n".join(f'\n[[subjects]]\nname = "{name}"' for name in ("Syrië", "Irak", "Belarus")) + "\n"


def _config(folder: Path, inbox: Path, extra: str, name: str) -> Path:
    text = re.sub(r"^folders = .*$", f'folders = ["{inbox}"]', (ROOT / "config.toml").read_text(encoding="utf-8"),
                  count=1, flags=re.M)
    path = folder / name
    path.write_text(text + extra, encoding="utf-8")
    return path


def _cli(cfg: Path, db: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    run = subprocess.run([str(Path(sys.executable).parent / "policy-monitor"), "--config", str(cfg), "--database",
                          f"sqlite:///{db}", *args], capture_output=True, text=True)
    took = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"policy-monitor {args[0]} failed:\n{run.stdout}\n{run.stderr}")
    return took, run.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dossier", default="jbz-raad", help="a dossier's slug, or all")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inbox = folder / "inbox"
        shutil.copytree(ROOT / "seeds", inbox)
        dossiers = (ROOT / "eval" / "dossiers").iterdir() if args.dossier == "all" else \
            [ROOT / "eval" / "dossiers" / args.dossier]
        for d in dossiers:
            for f in (d / "letters").iterdir() if (d / "letters").is_dir() else ():
                shutil.copy(f, inbox / f.name)
        n = len([f for f in inbox.iterdir() if not f.name.endswith(".meta.toml")])
        one = _config(folder, inbox, "", "one.toml")
        four = _config(folder, inbox, MORE, "four.toml")
        t_one, out_one = _cli(one, folder / "one.db", "ingest", str(inbox))
        t_four, _ = _cli(four, folder / "four.db", "ingest", str(inbox))
        t_add, out_add = _cli(four, folder / "one.db", "ingest", str(inbox))
        t_full, _ = _cli(four, folder / "four.db", "analyse")
        print(f"{n} letters (seeds + {args.dossier})")
        print(f"ingest, 1 subject:                          {t_one:6.1f} s")
        print(f"ingest, 4 subjects:                         {t_four:6.1f} s")
        said = next((line for line in out_add.splitlines() if "scope:" in line), "")
        print(f"following 3 more on the 1-subject store:    {t_add:6.1f} s  ({said[:140]})")
        print(f"analyse everything, 4 subjects:             {t_full:6.1f} s")
        report = [line for line in out_one.splitlines() if "outside every followed subject" in line]
        print("1-subject ingest said: " + (report[0][report[0].index("outside"):] if report else "(nothing)"))


if __name__ == "__main__":
    main()
