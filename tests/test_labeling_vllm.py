"""The ``vllm`` backend's glue, against stand-ins for vLLM's ``LLM`` and ``SamplingParams``.

``StandInLLM`` has the call signatures the engine uses (``LLM(**engine_kwargs)``,
``LLM.get_tokenizer()``, ``LLM.chat(messages, sampling_params=..., use_tqdm=...,
chat_template_kwargs=...)``) and returns objects shaped like ``RequestOutput``. The real engine
is tested in ``test_labeling_vllm_real.py``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd
import pytest
from PIL import Image

from mmoe.labeling import make_backend
from mmoe.labeling.base import UNPARSED, ViewInput
from mmoe.labeling.vllm_backend import VLLMBackend
from mmoe.labeling.vllm_engine import LocalEngine, has_field

VOCAB = {"Yes": 10, "ĠYes": 11, "yes": 12, "Ġyes": 13, "No": 20, "ĠNo": 21, "no": 22, "Ġno": 23}
VOCAB |= {"Yesterday": 30, "Ġmaybe": 31}


class StandInTokenizer:
    def get_vocab(self) -> dict[str, int]:
        return VOCAB


@dataclass
class StandInSamplingParams:
    """Keyword arguments of vLLM's ``SamplingParams`` that the backend uses."""

    temperature: float = 1.0
    max_tokens: int | None = 16
    seed: int | None = None
    logprobs: int | None = None
    logprob_token_ids: list[int] | None = None


@dataclass
class OldStandInSamplingParams:
    """A ``SamplingParams`` from before ``logprob_token_ids`` existed."""

    temperature: float = 1.0
    max_tokens: int | None = 16
    seed: int | None = None
    logprobs: int | None = None


class StandInLLM:
    """Stand-in for ``vllm.LLM``: answers Yes to texts with "[yes]" and to every image; leaves
    the answer tokens' logprobs out for "[drop]"."""

    def __init__(self, model: str, **kwargs) -> None:
        self.kwargs = {"model": model, **kwargs}
        self.calls: list = []

    def get_tokenizer(self) -> StandInTokenizer:
        return StandInTokenizer()

    def chat(self, messages, sampling_params=None, use_tqdm=True, chat_template_kwargs=None):
        self.calls.append((messages, sampling_params, chat_template_kwargs))
        return [self._output(conversation) for conversation in messages]

    def _output(self, conversation):
        content = conversation[-1]["content"]
        yes = not isinstance(content, str) or "[yes]" in content
        if "[maybe]" in str(content):
            text, top = "Maybe", {31: -0.1} | dict.fromkeys(VOCAB.values(), -9.0)
        elif yes:
            text, top = "Yes", {10: math.log(0.5), 13: math.log(0.1), 20: math.log(0.3)}
        else:
            text, top = "No", {20: math.log(0.6), 22: math.log(0.2), 10: math.log(0.2)}
        if "[drop]" not in str(content):
            top = dict.fromkeys(VOCAB.values(), -30.0) | top
        logprobs = [{token: SimpleNamespace(logprob=lp) for token, lp in top.items()}]
        sample = SimpleNamespace(text=text, token_ids=[1], logprobs=logprobs)
        return SimpleNamespace(outputs=[sample], prompt_token_ids=[0] * 7)


def backend(sampling=StandInSamplingParams, **params) -> VLLMBackend:
    base = {"model": "org/model", "tensor_parallel_size": 2, "dtype": "bfloat16"} | params
    engine_kwargs = VLLMBackend(base, 3).engine_kwargs()
    return VLLMBackend(base, 3, engine=LocalEngine(engine_kwargs, StandInLLM, sampling))


def view(texts: list[str]) -> ViewInput:
    data = pd.DataFrame({"id": range(len(texts)), "split": "train", "x1": texts, "x2": texts})
    return ViewInput(dataset="demo", data=data.assign(label=1), view="x1", kind="text")


def test_chunks_greedy_with_the_vocabulary_answer_tokens(caplog):
    labeler = backend(
        chat_template_kwargs={"enable_thinking": False}, max_model_len=4096, chunk_rows=3
    )
    with caplog.at_level(logging.INFO, logger="mmoe.labeling"):
        frame = labeler.label(view(["a [yes]", "b", "c [maybe]", "d [yes]"]))
    engine = labeler.engine.llm
    assert engine.kwargs == {
        "model": "org/model",
        "seed": 3,
        "tensor_parallel_size": 2,
        "max_model_len": 4096,
        "dtype": "bfloat16",
        "gpu_memory_utilization": 0.9,
    }
    assert [len(call[0]) for call in engine.calls] == [3, 1]  # chunks of chunk_rows
    _, sampling, template_kwargs = engine.calls[0]
    assert template_kwargs == {"enable_thinking": False}
    assert (sampling.temperature, sampling.max_tokens, sampling.seed) == (0.0, 1, 3)
    assert sampling.logprob_token_ids == [10, 11, 12, 13, 20, 21, 22, 23]
    assert frame["pred"].tolist() == [1, 0, UNPARSED, 1]
    assert frame["p"][0] == pytest.approx(0.6 / 0.9, abs=1e-9)
    assert frame["p"][1] == pytest.approx(0.2 / 1.0, abs=1e-9)
    assert frame["p"][2] == pytest.approx(0.5)  # the answer tokens' logprobs are all there
    assert labeler.stats.prompt_tokens == 28 and labeler.stats.unparsed == 1
    assert labeler.stats.chunks == 2
    assert "P(Yes) from logprob_token_ids: 8 answer tokens" in caplog.text


def test_missing_answer_token_logprobs_are_nan_and_counted(caplog):
    labeler = backend()
    with caplog.at_level(logging.WARNING, logger="mmoe.labeling"):
        frame = labeler.label(view(["a [yes]", "b [yes] [drop]"]))
    assert frame["p"][0] == pytest.approx(0.6 / 0.9, abs=1e-9)
    assert math.isnan(frame["p"][1]) and frame["pred"][1] == 1
    assert labeler.stats.missing_logprobs == 1
    assert "1 without their answer-token logprobs" in caplog.text


def test_falls_back_to_top_logprobs_without_logprob_token_ids(caplog):
    labeler = backend(sampling=OldStandInSamplingParams, top_logprobs=5)
    with caplog.at_level(logging.INFO, logger="mmoe.labeling"):
        frame = labeler.label(view(["a [yes] [drop]"]))
    assert labeler.engine.llm.calls[0][1].logprobs == 5
    assert frame["p"][0] == pytest.approx(0.6 / 0.9)
    assert labeler.stats.missing_logprobs == 0
    assert "SamplingParams has no logprob_token_ids" in caplog.text


def test_has_field_reads_dataclasses_structs_and_signatures():
    assert has_field(StandInSamplingParams, "logprob_token_ids")
    assert not has_field(OldStandInSamplingParams, "logprob_token_ids")
    assert has_field(
        type("S", (), {"__struct_fields__": ("logprob_token_ids",)}), "logprob_token_ids"
    )

    def sampling(temperature=1.0, logprobs=None): ...

    assert not has_field(sampling, "logprob_token_ids")


def test_image_inputs_and_captions(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    data = pd.DataFrame({"id": [7], "split": "val", "x1": ["t"], "x2": ["a.png"], "label": [0]})
    image_view = ViewInput(dataset="mmsarcasm", data=data, view="x2", kind="image")
    labeler = backend(image_root=str(tmp_path))
    assert labeler.label(image_view)["pred"].tolist() == [1]
    captions = labeler.caption(image_view)
    (label_call, _, _), (_, sampling, _) = labeler.engine.llm.calls
    text, image = label_call[0][0]["content"]
    assert text["text"].startswith("Think step by step.")
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert sampling.max_tokens == 256 and sampling.logprob_token_ids is None
    assert captions["caption"].tolist() == ["Yes"]


def test_answer_changing_settings_are_in_the_cache_key_and_relabel(tmp_path):
    rows = ["a [yes]", "b"]
    first = backend(cache_dir=str(tmp_path))
    first.label(view(rows))
    same = backend(cache_dir=str(tmp_path), gpu_memory_utilization=0.2)
    same.label(view(rows))
    assert same.stats.cached == 2 and same.engine.llm.calls == []
    for change in (
        {"chat_template_kwargs": {"enable_thinking": False}},
        {"top_logprobs": 5},
        {"max_model_len": 2048},
        {"engine_kwargs": {"quantization": "fp8"}},
        {"label_max_tokens": 2},
    ):
        relabeled = backend(cache_dir=str(tmp_path), **change)
        relabeled.label(view(rows))
        assert relabeled.stats.sent == 2, change


def test_registered_and_lazy():
    assert isinstance(make_backend("vllm", {"model": "m"}, 0), VLLMBackend)
