"""How long `monitor demo` takes, start to finish, its report included, and how big that report is.

    .venv/bin/python benchmarks/demo.py                        # 5 runs of this tree
    .venv/bin/python benchmarks/demo.py --runs 3 --json benchmarks/demo.json
    .venv/bin/python benchmarks/demo.py --tree /path/to/other/checkout   # a peer, side by side

Each run is `python -m monitor.cli demo --dir <fresh folder>` as a child process (interpreter
start-up and imports included, as a user sees it). The child may write bytecode (whatever
PYTHONDONTWRITEBYTECODE says here) and a first run, not counted, compiles it, as `pip install`
does for an installed package: otherwise every run would compile monitor's modules again
(~0.3 s). Wall and CPU seconds (user + system of
the child), peak memory, the report page's size and the size of everything under
``reports/``. Target (issue 16): under 5 s on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_SECONDS = 5.0
_FROM_TREE = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
    "sys.path.insert(0, {tree!r}); sys.argv[0] = 'monitor'; "
    "from monitor.cli.main import main; sys.exit(main())"
)


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def one_run(tree: Path | None) -> dict[str, Any]:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-m", "monitor.cli"]
    if tree is not None:
        # an editable install's finder comes before sys.path: drop it so `tree` is imported
        command = [sys.executable, "-c", _FROM_TREE.format(tree=str(tree.resolve()))]
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory) / "demo"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        clock = time.perf_counter()
        done = subprocess.run(
            [*command, "demo", "--dir", str(folder)],
            capture_output=True,
            text=True,
            env=env,
            cwd=directory,
        )
        wall = time.perf_counter() - clock
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"monitor demo failed ({done.returncode}): {done.stderr[-2000:]}")
        (page,) = (folder / "reports").glob("*/2026-*.html")
        return {
            "wall_s": round(wall, 2),
            "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
            "peak_mb": round(after.ru_maxrss / 1024, 1),
            "page_kb": round(page.stat().st_size / 1024, 1),
            "reports_mb": round(_folder_bytes(folder / "reports") / 2**20, 2),
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, help="run the `monitor` package of this checkout instead")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    one_run(args.tree)  # compiles the bytecode, as an install does; not counted
    runs = [one_run(args.tree) for _ in range(args.runs)]
    print(f"{'run':>3} {'wall s':>7} {'cpu s':>6} {'peak MB':>8} {'page KB':>8} {'reports MB':>10}")
    for index, run in enumerate(runs, 1):
        print(
            f"{index:>3} {run['wall_s']:>7.2f} {run['cpu_s']:>6.2f} {run['peak_mb']:>8.1f} "
            f"{run['page_kb']:>8.1f} {run['reports_mb']:>10.2f}"
        )
    median = statistics.median(run["wall_s"] for run in runs)
    load = os.getloadavg()[0]
    target = f"target < {TARGET_SECONDS:.0f} s on a quiet machine"
    print(f"median wall {median:.2f} s ({target}); load average {load:.2f}")
    if args.json:
        summary = {"runs": runs, "median_wall_s": median, "load_average": load, "tree": str(args.tree or "")}
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
