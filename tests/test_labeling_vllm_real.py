"""The ``vllm`` backend on vLLM's real engine (CPU build) with the shipped SmolLM2 model.

One engine serves the module (started once, in a worker process of vLLM's environment). Its
P(Yes) must equal a direct transformers forward pass over the same chat-templated prompt.
"""

from __future__ import annotations

import time

import pytest

from mmoe.labeling.prompts import instruction, messages
from mmoe.labeling.vllm_backend import VLLMBackend
from mmoe.labeling.vllm_engine import WorkerEngine
from tests.vllm_env import mustard_rows, reference_p_yes, smollm2, vllm_params


@pytest.fixture(scope="module")
def engine():
    params = vllm_params(smollm2())
    start = time.perf_counter()
    worker = WorkerEngine(params["python"], VLLMBackend(params, 0).engine_kwargs())
    print(f"vLLM engine started in {time.perf_counter() - start:.1f} s")
    yield worker
    worker.close()


def test_the_chat_model_folder_loads_with_its_chat_template():
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder = smollm2()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert tokenizer.chat_template and "<|im_start|>" in tokenizer.chat_template
    config = AutoConfig.from_pretrained(folder)
    assert config.model_type == "llama" and not hasattr(config, "quantization_config")
    model = AutoModelForCausalLM.from_pretrained(folder)
    assert sum(p.numel() for p in model.parameters()) == 134_515_008


@pytest.mark.parametrize("view", ["x1", "x2"])
def test_vllm_backend_matches_a_transformers_forward_pass(engine, tmp_path, view):
    rows = mustard_rows(6)
    rows.view = view
    folder = smollm2()
    backend = VLLMBackend(vllm_params(folder, cache_dir=str(tmp_path)), 0, engine=engine)
    frame = backend.label(rows)
    prompt = instruction("label", "text", "mustard", {})
    expected = reference_p_yes(folder, [messages(prompt, "text", t) for t in rows.data[view]])
    assert frame["p"].to_numpy() == pytest.approx(expected, abs=1e-3)
    assert frame["pred"].isin([-1, 0, 1]).all()  # a 135M model often answers neither
    assert backend.stats.missing_logprobs == 0 and backend.stats.failed == 0
    again = VLLMBackend(vllm_params(folder, cache_dir=str(tmp_path)), 0, engine=engine)
    assert again.label(rows).equals(frame) and again.stats.sent == 0
