"""Benchmark ingesting a large bring-your-own table (format ``table``): read, validate, write.

Usage: python bench/bench_ingest.py [--rows 100000]
Each table type (CSV, JSON Lines, parquet) is ingested in a fresh process, which reports the
seconds, the table's size in memory and the process's peak memory growth during the ingest.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = {"id": "uid", "x1": "text", "x2": "context", "label": "y", "split": "fold"}
WORDS = np.array(
    [
        "the",
        "a",
        "movie",
        "phone",
        "was",
        "great",
        "awful",
        "honestly",
        "never",
        "again",
        "so",
        "very",
    ]
)


def make_table(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` rows of random sentences (8 and 24 words), binary labels and a split column."""
    rng = np.random.default_rng(seed)

    def sentences(length: int) -> list[str]:
        return [" ".join(row) for row in WORDS[rng.integers(len(WORDS), size=(n, length))]]

    return pd.DataFrame(
        {
            "uid": [f"row{i:07d}" for i in range(n)],
            "text": sentences(8),
            "context": sentences(24),
            "y": rng.integers(2, size=n),
            "fold": rng.choice(["train", "val", "test"], size=n, p=[0.8, 0.1, 0.1]),
        }
    )


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ingest_once(path: Path) -> tuple[float, float, float]:
    """Seconds, table MiB and peak memory growth (MiB) of one ingest, in this process."""
    import mmoe.datasets  # noqa: F401  (imported before measuring)
    from mmoe.stages import ingest as ingest_stage

    cfg = {"format": "table", "columns": COLUMNS, "views": {"x1": "text", "x2": "text"}}
    before = peak_mib()
    start = time.perf_counter()
    frame = ingest_stage.ingest(
        dataset="bench", cfg=cfg, source=path, data=path.with_suffix(".out.parquet"), seed=0
    )
    seconds = time.perf_counter() - start
    return seconds, frame.memory_usage(deep=True).sum() / 2**20, peak_mib() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    n = parser.parse_args().rows
    table = make_table(n)
    spawn = multiprocessing.get_context("spawn")
    print(f"{'type':>8} {'rows':>8} {'seconds':>8} {'table MiB':>10} {'peak growth MiB':>16}")
    with tempfile.TemporaryDirectory() as tmp:
        writers = {
            "csv": lambda p: table.to_csv(p, index=False),
            "jsonl": lambda p: table.to_json(p, orient="records", lines=True),
            "parquet": lambda p: table.to_parquet(p, index=False),
        }
        for suffix, write in writers.items():
            path = Path(tmp) / f"table.{suffix}"
            write(path)
            with spawn.Pool(1) as pool:
                seconds, size, growth = pool.apply(ingest_once, (path,))
            print(f"{suffix:>8} {n:>8} {seconds:>8.2f} {size:>10.1f} {growth:>16.1f}")


if __name__ == "__main__":
    main()
