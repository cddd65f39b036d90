"""causal-lm-lora (SmolLM2-135M-Instruct) training throughput on MUStARD vs raw forward+backward.

As ``bench_encoder_lora.py``: the loop's figure is its training phase as recorded in the fit
history (collation, forward, backward, optimiser and scheduler steps, progress bar); the raw figure
runs forward+backward of the same model on the same first-epoch batches, collated beforehand. The
settings are the ``causal-lm-lora`` params of ``--config`` (a workflow config; default: the
family's defaults with the SmolLM2 folder). Also prints this process's peak RSS. Run from the
repository root: ``python bench/bench_causal_lm_lora.py --config CONFIG [--epochs N] [--rows N]``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from bench_encoder_lora import MUSTARD, mustard_splits, raw_throughput

from mmoe.families.causal_lm_lora import CausalLMLoraFamily

SMOLLM2 = "resources/models/SmolLM2-135M-Instruct"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, help="workflow config with causal-lm-lora params")
    parser.add_argument("--epochs", type=int, default=None, help="default: the config's")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=MUSTARD)
    parser.add_argument("--rows", type=int, default=None, help="first N training rows (all)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = {"model_path": SMOLLM2}
    if args.config:
        params = yaml.safe_load(args.config.read_text())["families"]["causal-lm-lora"]["params"]
    if args.epochs is not None:
        params = {**params, "epochs": args.epochs}
    train, val = mustard_splits(args.data)
    train = train.subset(np.arange(min(args.rows or len(train), len(train))))
    family = CausalLMLoraFamily()
    hp = family.hyper_parameters(params)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = family.fit(train, val, 2, Path(tmp), params, seed=0)
        wall = time.perf_counter() - start
    loop = np.mean([h["train_examples_per_s"] for h in summary["history"]])
    raw = raw_throughput(family, hp, train, seed=0, repeats=len(summary["history"]))
    keys = ("batch_size", "max_length", "max_view_tokens", "lora_r", "target_modules", "epochs")
    print(f"MUStARD train={len(train)} val={len(val)} threads={args.threads}")
    print(f"settings: { {k: hp[k] for k in keys} } chat_template={hp['chat_template']}")
    epochs = len(summary["history"])
    print(f"fit wall time (load, {epochs} epoch(s), eval, checkpoints, save): {wall:.1f} s")
    print(f"best val F1 {summary['best_val_f1']:.3f} at epoch {summary['best_epoch']}")
    print(f"loop training throughput: {loop:.2f} examples/s")
    print(f"raw forward+backward:     {raw:.2f} examples/s")
    print(f"ratio loop/raw: {loop / raw:.3f} (target >= 0.85)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (fit, then raw): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
