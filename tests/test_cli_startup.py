"""`policy-monitor --version` and `--help` answer at once: they import click and the CLI's own modules, not
SQLAlchemy, Alembic, Starlette or the analysis (those cost a second or more; the commands import them).

Guarded by what the process has imported when it exits (its ``sys.modules``), not by a timing, which a busy
machine breaks."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What a start-up may import besides the standard library: click, and the CLI modules with the plain data
# model its options list (ChangeKind). Anything else is a command's import that leaked to the top.
ALLOWED_PACKAGES = {"click", "monitor"}
ALLOWED_MONITOR = {"monitor", "monitor.cli", "monitor.cli_context", "monitor.cli_review", "monitor.cli_subjects",
                   "monitor.model"}

# Runs the console script's `main` with ARGS and prints, at exit, every module the process holds.
PROBE = ("import atexit, json, sys\n"
         "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))\n"
         "from monitor.cli import main\n"
         "sys.argv[0] = 'policy-monitor'\n"
         "main()\n")


def imported(*args: str) -> tuple[set[str], str]:
    """The modules a fresh ``policy-monitor ARGS`` process imports, and what it printed."""
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stderr.strip().splitlines()[-1])), proc.stdout


@pytest.mark.parametrize("args", [("--version",), ("--help",)])
def test_version_and_help_import_no_database_web_or_analysis_module(args: tuple[str, ...]) -> None:
    names, out = imported(*args)
    if args == ("--help",):  # every command is still there (the commands run in every other test file)
        for command in ("migrate", "ingest", "letters", "export", "changes", "run", "serve", "log", "review", "user"):
            assert f"  {command} " in out, command
    else:
        assert out.startswith("policy-monitor, version ")
    # names with a leading underscore: the interpreter's and the installer's own (an editable install's finder)
    third_party = {n.split(".")[0] for n in names if not n.startswith("_")} - set(sys.stdlib_module_names)
    assert third_party <= ALLOWED_PACKAGES, sorted(third_party - ALLOWED_PACKAGES)
    assert {n for n in names if n.startswith("monitor.")} | {"monitor"} <= ALLOWED_MONITOR
    # the whole start-up is about 120 modules; importing the store and config as before made it about 700
    assert len(names) < 250, len(names)
