"""The architecture contracts of pyproject.toml hold and cover everything: every module of monitor/ sits in a
layer, and the no-cycle contract fails on a cycle (shown on a throw-away package)."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def test_every_module_of_monitor_is_in_a_layer():
    [layers] = [c for c in _contracts() if c["type"] == "layers"]
    named = {m.strip() for layer in layers["layers"] for m in re.split(r"[:|]", layer) if m.strip()}
    graph = grimp.build_graph("monitor")
    children = {m.removeprefix("monitor.") for m in graph.find_children("monitor")}
    assert children - named == set(), "modules in no layer of [tool.importlinter] (add them to one)"
    assert named - children == set(), "layers naming modules that do not exist"
    for edge in ("auth", "notify", "metrics", "logs", "polling", "sources"):
        assert edge in named


def test_the_project_keeps_its_contracts():
    run = subprocess.run([str(LINT_IMPORTS)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No import cycles inside monitor/ KEPT" in run.stdout


def test_the_cycle_contract_fails_on_a_cycle_between_modules_of_one_package(tmp_path):
    [acyclic] = [c for c in _contracts() if c["type"] == "acyclic_siblings"]
    pkg = tmp_path / "cyclic" / "inner"
    pkg.mkdir(parents=True)
    (tmp_path / "cyclic" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b  # a function-level import counts too\n")
    (pkg / "b.py").write_text("from . import a\n")
    (tmp_path / "c.toml").write_text(  # the project's contract, pointed at the throw-away package
        f'[tool.importlinter]\nroot_package = "cyclic"\n\n[[tool.importlinter.contracts]]\n'
        f'name = "{acyclic["name"]}"\ntype = "acyclic_siblings"\nancestors = ["cyclic"]\n')
    run = subprocess.run([str(LINT_IMPORTS), "--config", str(tmp_path / "c.toml")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(tmp_path)})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "No cycles are allowed in cyclic.inner" in run.stdout
