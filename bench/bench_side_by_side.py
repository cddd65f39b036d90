"""Side-by-side wall time of `all` for two commits on the same machine, one after the other.

Usage: python bench/bench_side_by_side.py [--old 1869893] [--new HEAD] [--repeats 3] [--cores 2]
           [-- <extra snakemake arguments, e.g. --configfile tests/configs/tiny.yaml>]
Each commit is checked out once into a temporary `git worktree`; every repeat runs old then new,
each from scratch (results/, resources/, logs/, benchmarks/ and .snakemake/ removed first) with
`snakemake --cores <cores> all` in its worktree and PYTHONPATH=<worktree>/src, so that each run
imports its own code. Prints each run's seconds, the medians and old/new (the speed-up).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = ("results", "resources", "logs", "benchmarks", ".snakemake")


def checkout(commit: str, path: Path) -> None:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), commit],
        check=True,
        capture_output=True,
    )


def run_all(tree: Path, cores: int, extra: list[str]) -> float:
    """Seconds of one from-scratch `snakemake all` in ``tree``."""
    for name in OUTPUTS:
        shutil.rmtree(tree / name, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), "all", *extra]
    start = time.monotonic()
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"{tree}: snakemake failed\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="1869893")
    parser.add_argument("--new", default="HEAD")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="snakemake arguments (after --)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as tmp:
        trees = {"old": Path(tmp, "old"), "new": Path(tmp, "new")}
        try:
            for name, commit in (("old", args.old), ("new", args.new)):
                checkout(commit, trees[name])
            for repeat in range(1, args.repeats + 1):
                for name in ("old", "new"):
                    seconds = run_all(trees[name], args.cores, args.extra)
                    times[name].append(seconds)
                    print(f"repeat {repeat} {name} ({getattr(args, name)}): {seconds:.1f} s")
        finally:
            for tree in trees.values():
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                    capture_output=True,
                )
    old, new = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"median old {old:.1f} s, new {new:.1f} s: new is {old / new:.2f}x as fast")


if __name__ == "__main__":
    main()
