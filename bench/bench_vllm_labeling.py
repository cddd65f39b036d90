"""Labeling throughput on CPU: transformers vs vLLM's raw ``LLM.chat`` vs our ``vllm`` backend.

One run, the same ``--rows`` MUStARD utterances (x1, Appendix F's text prompt) and the same model
(the SmolLM2-135M-Instruct folder, float32): transformers one prompt at a time (how the authors'
scripts label), transformers batched (left padding), one raw ``LLM.chat`` call with
``logprob_token_ids``, and our ``vllm`` backend on that same engine (prompt rendering, chunks,
P(Yes) and the row cache included). Prints rows/s, the ratios to raw ``LLM.chat`` and the largest
P(Yes) difference from the one-at-a-time line. Run with vLLM's Python (it has transformers too):

    .venv-vllm/bin/python bench/bench_vllm_labeling.py --rows 200
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TQDM_DISABLE", "1")

from mmoe.labeling.answers import answer_token_ids, yes_probability
from mmoe.labeling.base import ViewInput
from mmoe.labeling.prompts import instruction, messages
from mmoe.labeling.vllm_backend import VLLMBackend
from mmoe.labeling.vllm_engine import LocalEngine

MUSTARD = Path(__file__).resolve().parents[1] / "data/mustard/sarcasm_data.json"
ENGINE = {"dtype": "float32", "gpu_memory_utilization": 0.2, "max_model_len": 2048}


def mustard_view(rows: int) -> ViewInput:
    data = pd.read_json(MUSTARD, orient="index").head(rows)
    frame = pd.DataFrame({"id": data.index.astype(str), "split": "train"})
    frame = frame.assign(x1=data["utterance"].tolist(), x2="", label=0)
    return ViewInput(dataset="mustard", data=frame, view="x1", kind="text")


def transformers_p_yes(model: str, chats: list, batch: int) -> list[float]:
    """P(Yes) by transformers forward passes, ``batch`` left-padded prompts at a time."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model, padding_side="left")
    lm = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32).eval()
    ids = answer_token_ids(tokenizer)
    out = []
    for first in range(0, len(chats), batch):
        inputs = tokenizer.apply_chat_template(
            chats[first : first + batch],
            add_generation_prompt=True,
            padding=True,
            return_tensors="pt",
            return_dict=True,
        )
        with torch.no_grad():
            logprobs = lm(**inputs).logits[:, -1].log_softmax(-1)
        out += [yes_probability({i: row[i].item() for i in ids}, ids.get) for row in logprobs]
    return out


def timed(label: str, run, rows: int, results: dict) -> None:
    start = time.perf_counter()
    results[label] = (np.asarray(run(), dtype=float), rows / (time.perf_counter() - start))
    print(f"{label:32s} {results[label][1]:8.1f} rows/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="resources/models/SmolLM2-135M-Instruct")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    view = mustard_view(args.rows)
    prompt = instruction("label", "text", "mustard", {})
    chats = [messages(prompt, "text", text) for text in view.data["x1"]]
    results: dict = {}
    for label, batch in (("transformers, one at a time", 1), ("transformers, batched", args.batch)):
        timed(label, partial(transformers_p_yes, args.model, chats, batch), args.rows, results)

    # no prefix cache: the second vLLM line would otherwise reuse the first one's prompts
    engine_kwargs = {"enforce_eager": True, "enable_prefix_caching": False}
    params = {"model": args.model, **ENGINE, "engine_kwargs": engine_kwargs}
    start = time.perf_counter()
    engine = LocalEngine(VLLMBackend(params, 0).engine_kwargs())
    print(f"vLLM engine start-up: {time.perf_counter() - start:.1f} s", flush=True)
    engine.generate(chats[:8], max_tokens=1, logprobs=True, seed=0)  # warm-up
    sampling = engine.sampling(1, True, 0, 20)

    def raw() -> list[float]:
        outputs = engine.llm.chat(chats, sampling_params=sampling, use_tqdm=False)
        first = [{t: e.logprob for t, e in o.outputs[0].logprobs[0].items()} for o in outputs]
        return [yes_probability(f, engine.answer_ids.get) for f in first]

    def ours() -> list[float]:
        with tempfile.TemporaryDirectory() as cache:
            backend = VLLMBackend(params | {"cache_dir": cache}, 0, engine=engine)
            return backend.label(view)["p"].tolist()

    timed("vLLM LLM.chat (raw)", raw, args.rows, results)
    timed("our vllm backend", ours, args.rows, results)
    reference = results["transformers, one at a time"][0]
    raw_speed = results["vLLM LLM.chat (raw)"][1]
    print("\nline                             rows/s   x raw LLM.chat   max |P(Yes) diff|")
    for label, (p, speed) in results.items():
        diff = np.nanmax(np.abs(p - reference))
        print(f"{label:32s} {speed:8.1f} {speed / raw_speed:12.2f} {diff:16.2e}")


if __name__ == "__main__":
    main()
