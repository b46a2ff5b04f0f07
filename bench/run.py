"""All benchmarks, printed: `make bench`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script, args in [("topics.py", []), ("changes.py", sys.argv[1:] or ["--sizes", "100,1000,10000", "--e2e", "100"]),
                     ("feeds.py", []), ("e2e.py", ["--letters", "300"]), ("serving.py", []), ("healthz.py", []),
                     ("pages.py", []), ("conditional.py", []), ("history.py", [])]:
    if (HERE / script).exists():
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *args], check=True)
