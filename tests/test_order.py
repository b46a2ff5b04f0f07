"""Incremental processing, in any arrival order, ends where a full ``analyse`` of the same letters ends."""
from __future__ import annotations

import random

from click.testing import CliRunner

from monitor.cli import main
from tests.conftest import ROOT, copy_seeds, current_changes, synthetic_letters

CONFIG = str(ROOT / "config.toml")


def test_shuffled_arrivals_equal_a_full_analysis(tmp_path, databases):
    inbox = copy_seeds(tmp_path / "inbox")
    files = sorted(p for p in inbox.iterdir() if not p.name.endswith(".meta.toml")) + synthetic_letters(inbox, 2)
    rng = random.Random(12)
    reference = None
    for i in range(3):
        order = files[:]
        rng.shuffle(order)
        db = databases.new(f"order-{i}")
        for f in order:  # one letter at a time: each arrival is an incremental update
            result = CliRunner().invoke(main, ["--config", CONFIG, "--database", db, "ingest", str(f)])
            assert result.exit_code == 0, result.output
        incremental = current_changes(db)
        result = CliRunner().invoke(main, ["--config", CONFIG, "--database", db, "analyse"])
        assert result.exit_code == 0, result.output
        assert current_changes(db) == incremental, [f.name for f in order]
        reference = reference or incremental
        assert incremental == reference, [f.name for f in order]
