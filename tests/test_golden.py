"""The seeds' export is pinned byte for byte: a speed-up (or any refactor) that changes what we publish fails here.

``tests/fixtures/seed-export.json`` is the export of the five seed letters. When the analysis is changed on
purpose (``ANALYSIS_VERSION`` / ``CHANGES_VERSION`` bumped, ``make eval`` checked), write the new one with
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py`` and review its diff like code.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "fixtures" / "seed-export.json"


def _portable(export: dict[str, Any]) -> dict[str, Any]:
    """The export without what depends on where the files were (the folder of a source path)."""
    for letter in export["letters"]:
        letter["source"] = Path(letter["source"]).name
        letter["sources"] = [Path(s).name for s in letter["sources"]]
    return export


def test_the_seed_export_is_the_pinned_one(cli, seeds_copy, tmp_path):
    cli("ingest", str(seeds_copy))
    out = tmp_path / "export.json"
    cli("export", "-o", str(out))
    export = _portable(json.loads(out.read_text(encoding="utf-8")))
    text = json.dumps(export, ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(export["changes"]) == len(golden["changes"])
    for got, want in zip(export["letters"], golden["letters"], strict=True):
        assert got == want, want["id"]
    for got, want in zip(export["changes"], golden["changes"], strict=True):
        assert got == want, want["id"]
