"""Scale benchmark: each stage's wall time and peak memory as the rows grow.

Usage: nice python bench/bench_scale.py [--sizes 1200 12000 48000 200000] [--cores 2]
           [--text/--no-text] [--text-dtype float32|bfloat16] [--work bench-scale] [--out docs]
Each size n runs `all` in its own folder (<work>/n<n>, kept; a rerun reuses finished jobs, delete
it to measure again) on one seed, schemes rus and random and the mlp family: the synthetic
dataset at n rows (image + text views) and, with --text (default), `texts`: a `table` dataset of
n generated short text pairs, so that the MiniLM embedding and the text labeller are measured at
scale too. The synthetic text view repeats a few hundred sentences; the `texts` views hardly repeat
(the distinct values per view, from the embedding logs, are printed), so embedding each distinct
text once is not what makes their numbers. Wall and CPU seconds and peak RSS per stage come from
the rules' benchmark files (summed over a stage's jobs, max of their peaks). Snakemake samples
CPU time and RSS every second for a job's first 30 s, then every 30 s, so these two are lower
bounds; each run's total CPU seconds and its largest process's peak RSS come from getrusage and
are exact. Prints a table and writes <out>/scale.csv, <out>/scale.md and <out>/scale.png
(log-log: rows vs seconds per stage).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
FAMILY = {
    "paper_model": None,
    "params": {
        "hidden": 128,
        "dropout": 0.1,
        "lr": 0.001,
        "weight_decay": 0.0001,
        "batch_size": 64,
        "epochs": 60,
        "patience": 8,
    },
    "resources": {"mem_mb": 2000, "runtime": 20, "gpu": 0},
}
LABELING = {"backend": "classifier", "params": {"folds": 5}}
# fmt: off
NEUTRAL = [
    "the", "a", "this", "that", "my", "our", "movie", "phone", "show", "dinner", "trip", "song",
    "game", "book", "day", "night", "friend", "really", "just", "quite", "so", "very", "then",
    "also", "still", "again", "today", "tonight", "was", "is", "felt", "seemed",
]
CUES = {
    0: ["fine", "calm", "plain", "normal", "usual", "simple"],
    1: ["great", "amazing", "awful", "terrible"],
}
# fmt: on


def text_table(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` short text pairs whose label each view reveals by a cue word now and then."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(2, size=n)

    def view(cue_rate: float) -> list[str]:
        lengths = rng.integers(4, 11, size=n)
        words = rng.choice(NEUTRAL, size=(n, 10))
        cued = rng.random(n) < cue_rate
        cues = [rng.choice(CUES[y]) for y in labels]
        slots = rng.integers(0, 4, size=n)
        texts = []
        for i in range(n):
            sentence = list(words[i, : lengths[i]])
            if cued[i]:
                sentence[slots[i]] = cues[i]
            texts.append(" ".join(sentence))
        return texts

    ids = [f"t{i:07d}" for i in range(n)]
    return pd.DataFrame({"id": ids, "text_a": view(0.5), "text_b": view(0.4), "label": labels})


def config(n: int, text: bool, text_dtype: str) -> dict:
    datasets = {
        "synthetic": {
            "format": "synthetic",
            "n": n,
            "mixture": {"R": 0.4, "U1": 0.2, "U2": 0.2, "S": 0.2},
            "splits": {"train": 0.6, "val": 0.2, "test": 0.2},
            "image_size": 32,
            "views": {"x1": "image", "x2": "text"},
            "labeling": LABELING,
            "gamma": 0.5,
            "families": ["mlp"],
        }
    }
    if text:
        datasets["texts"] = {
            "format": "table",
            "path": "texts.csv",
            "columns": {"id": "id", "x1": "text_a", "x2": "text_b", "label": "label"},
            "splits": {"train": 0.6, "val": 0.2, "test": 0.2},
            "views": {"x1": "text", "x2": "text"},
            "labeling": LABELING,
            "gamma": 0.5,
            "families": ["mlp"],
        }
    return {
        "seed": 0,
        "seeds": [0],
        "text_encoder": "resources/models/all-MiniLM-L6-v2",
        "text_encoder_dtype": text_dtype,
        "schemes": ["rus", "random"],
        "main_scheme": "rus",
        "fusion": {"fixed_weights": {"R": 0.2, "U": 0.5, "S": 0.3}},
        "families": {"mlp": FAMILY},
        "datasets": datasets,
    }


def run_size(workdir: Path, n: int, text: bool, text_dtype: str, cores: int) -> dict:
    """Run `all` for size ``n`` in ``workdir``: the wall and CPU seconds of the snakemake call
    (all its jobs) and the largest peak RSS of any of its processes (MB), from getrusage, which
    unlike the benchmark files' sampling misses nothing. Kept in ``run.json``: a rerun with
    nothing to do reports the run that did the work."""
    workdir.mkdir(parents=True, exist_ok=True)
    if text and not (workdir / "texts.csv").exists():
        text_table(n).to_csv(workdir / "texts.csv", index=False)
    (workdir / "config.yaml").write_text(
        yaml.safe_dump(config(n, text, text_dtype), sort_keys=False)
    )
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]
    command += ["--directory", str(workdir), "--configfile", str(workdir / "config.yaml")]
    command += ["--cores", str(cores), "all"]
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    log = workdir / "snakemake.log"
    with log.open("w") as out:
        subprocess.run(command, check=True, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    record = workdir / "run.json"
    if "Nothing to be done" not in log.read_text() or not record.exists():
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        run = {"wall_s": time.monotonic() - start, "cpu_s": cpu, "peak_mb": after.ru_maxrss / 1024}
        record.write_text(json.dumps({k: round(v, 1) for k, v in run.items()}))
    return json.loads(record.read_text())


def distinct_values(workdir: Path, n: int) -> pd.DataFrame:
    """Rows and distinct values of each text view, from the embedding logs."""
    records = []
    for log in sorted((workdir / "logs").glob("*/embed_view/*.log")):
        match = re.search(r"\d+ rows, (\d+) distinct text values", log.read_text())
        if match:
            dataset, view = log.parts[-3], log.stem
            records.append(
                {"rows": n, "dataset": dataset, "view": view} | {"distinct": int(match[1])}
            )
    return pd.DataFrame(records)


def stage_of(path: Path, root: Path) -> tuple[str, str]:
    """(dataset or "-", rule) of a benchmark file under ``root``."""
    parts = path.relative_to(root).with_suffix("").parts
    if len(parts) == 1:
        return "-", parts[0]
    if parts[0] == "multitask":
        return "multitask", parts[2]
    return parts[0], parts[1]


def stage_table(workdir: Path, n: int) -> pd.DataFrame:
    """Seconds (summed over jobs), jobs and peak RSS (MB, max over jobs) per dataset and stage."""
    root = workdir / "benchmarks"
    records = []
    for path in sorted(root.rglob("*.tsv")):
        dataset, stage = stage_of(path, root)
        row = pd.read_csv(path, sep="\t").iloc[-1]
        records.append(
            {"dataset": dataset, "stage": stage, "s": row["s"], "cpu": row["cpu_time"]}
            | {"rss": row["max_rss"]}
        )
    frame = pd.DataFrame(records)
    for column in ("cpu", "rss"):  # "-" where a job ended before the first sample
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    grouped = frame.groupby(["dataset", "stage"], sort=True)
    table = grouped.agg(
        seconds=("s", "sum"), cpu_seconds=("cpu", "sum"), jobs=("s", "size"), peak_mb=("rss", "max")
    )
    return table.reset_index().assign(rows=n)


def widen(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, stage): wall s, CPU s and peak MB at each size, and the log-log
    slopes of wall and CPU seconds from the first to the last size and over the last step (above
    1: superlinear; a fixed start-up cost keeps the first lower)."""
    sizes = sorted(table["rows"].unique())
    wide = table.pivot_table(
        index=["dataset", "stage"], columns="rows", values=["seconds", "cpu_seconds", "peak_mb"]
    )
    out = pd.DataFrame(index=wide.index)
    for column, name in (("seconds", "wall s"), ("cpu_seconds", "CPU s"), ("peak_mb", "peak MB")):
        for n in sizes:
            out[f"{name} n={n}"] = wide[(column, n)].round(1)
    starts = {"slope": sizes[0]} if len(sizes) > 1 else {}
    if len(sizes) > 2:
        starts["last-step slope"] = sizes[-2]
    for column, name in (("seconds", "wall"), ("cpu_seconds", "CPU")):
        seconds = wide[column].where(wide[column] > 0)  # 0: ended before a sample
        for label, first in starts.items():
            ratio = np.log(seconds[sizes[-1]] / seconds[first]) / np.log(sizes[-1] / first)
            out[f"{name} {label}"] = ratio.round(2)
    return out.reset_index()


def command_args(argv: list[str]) -> list[str]:
    """``argv`` without ``--note`` and its text (printed on its own)."""
    shown, skip = [], False
    for arg in argv:
        if skip or arg == "--note":
            skip = not skip
            continue
        shown.append(arg)
    return shown


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 6))
    sizes = sorted(table["rows"].unique())
    for ax, column, title in zip(
        axes, ("seconds", "cpu_seconds"), ("wall seconds", "CPU seconds"), strict=True
    ):
        for (dataset, stage), rows in table.groupby(["dataset", "stage"], sort=True):
            if rows["rows"].nunique() > 1:
                ax.loglog(rows["rows"], rows[column], marker="o", label=f"{dataset}: {stage}")
        ax.loglog(sizes, [s / sizes[0] for s in sizes], "k--", label="linear (1 s at the first n)")
        ax.set_xlabel("rows per dataset")
        ax.set_ylabel(f"{title} (summed over the stage's jobs)")
        ax.set_title(f"Stage {title} vs rows")
    axes[0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1200, 12000, 48000, 200000])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--text", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--text-dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--work", type=Path, default=REPO / "bench-scale")
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--note", default="", help="a line for scale.md, e.g. the machine's load")
    args = parser.parse_args()
    tables, walls, distinct = [], [], []
    for n in args.sizes:
        workdir = args.work.resolve() / f"n{n}"
        run = run_size(workdir, n, args.text, args.text_dtype, args.cores)
        walls.append({"rows": n, **run})
        tables.append(stage_table(workdir, n))
        distinct.append(distinct_values(workdir, n))
        print(f"n={n}: {run}", flush=True)
    table = pd.concat(tables, ignore_index=True)
    wide = widen(table)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "scale.csv", index=False)
    walls = pd.DataFrame(walls)
    header = (
        f"`{shlex.join(['python', 'bench/bench_scale.py', *command_args(sys.argv[1:])])}` on "
        f"{datetime.date.today()}, {args.cores} cores, {os.cpu_count()} CPUs on the machine. "
        f"{args.note}\n\n"
    )
    distinct = pd.concat(distinct, ignore_index=True).pivot_table(
        index="rows", columns=["dataset", "view"], values="distinct"
    )
    distinct.columns = [f"distinct {d} {v}" for d, v in distinct.columns]
    walls = walls.merge(distinct.reset_index(), on="rows", how="left")
    (args.out / "scale.md").write_text(
        header + walls.to_markdown(index=False) + "\n\n" + wide.to_markdown(index=False) + "\n"
    )
    plot(table, args.out / "scale.png")
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(walls.to_string(index=False))
        print(wide.to_string(index=False))


if __name__ == "__main__":
    main()
