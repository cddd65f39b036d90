"""Throughput of the ``openai`` labeling backend against the loopback server (50 ms per request).

Labels ``--rows`` rows with concurrency 1 and with the backend's default concurrency and
prints rows/s for both, the speed-up and its ratio to the ideal speed-up (the concurrency).
``--serial-rows`` labels fewer rows in the concurrency-1 leg (its rows/s is unaffected).
The server runs in its own process so that it does not share the client's interpreter lock;
the client's CPU time per row is printed too, as the bound on throughput on a busy machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

from mmoe.labeling.base import ViewInput
from mmoe.labeling.openai_backend import OpenAIBackend
from tests.loopback_openai import LoopbackOpenAI


def view(rows: int) -> ViewInput:
    texts = [f"<r{i}> utterance {i} [{'yes' if i % 3 else 'no'}]" for i in range(rows)]
    data = pd.DataFrame({"id": range(rows), "split": "train", "x1": texts, "x2": texts, "label": 0})
    return ViewInput(dataset="bench", data=data, view="x1", kind="text")


def serve(latency: float, conn) -> None:
    """Run the loopback server until told to stop; send its URL first."""
    with LoopbackOpenAI(latency=latency) as server:
        conn.send(server.url)
        conn.recv()


def measure(url: str, rows: int, concurrency: int | None) -> tuple[float, float]:
    """Rows/s and client CPU milliseconds per row for labeling ``rows`` rows."""
    params = {"base_url": url, "model": "loopback", "api_key_env": "MMOE_BENCH_NO_KEY"}
    if concurrency is not None:
        params["concurrency"] = concurrency
    backend = OpenAIBackend(params, seed=0)
    data = view(rows)
    start, cpu = time.perf_counter(), time.process_time()
    frame = backend.label(data)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert backend.stats.failed == 0 and (frame["pred"] >= 0).all()
    return rows / seconds, 1000 * cpu / rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--serial-rows", type=int, default=None)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    serial_rows = args.serial_rows or args.rows
    default = OpenAIBackend({"model": "loopback"}, seed=0).concurrency
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(args.latency, theirs), daemon=True)
    server.start()
    url = ours.recv()
    serial, serial_cpu = measure(url, serial_rows, 1)
    parallel, parallel_cpu = measure(url, args.rows, None)
    ours.send("stop")
    server.join()
    speedup = parallel / serial
    print(f"service latency {args.latency * 1000:.0f} ms per request, {os.cpu_count()} CPUs")
    print(f"concurrency 1:  {serial:8.1f} rows/s ({serial_rows} rows, {serial_cpu:.2f} CPU ms/row)")
    print(
        f"concurrency {default}: {parallel:8.1f} rows/s "
        f"({args.rows} rows, {parallel_cpu:.2f} CPU ms/row)"
    )
    efficiency = speedup / default
    print(f"speed-up {speedup:.1f}x of an ideal {default}x: {efficiency:.0%} (target >= 80%)")


if __name__ == "__main__":
    main()
