"""The ``vllm`` backend's glue, against stand-ins for vLLM's ``LLM`` and ``SamplingParams``.

vLLM itself is not installed here: ``StandInLLM`` has the call signatures the backend uses
(``LLM(**engine_kwargs)``, ``LLM.get_tokenizer()``, ``LLM.chat(messages, sampling_params=...,
use_tqdm=..., chat_template_kwargs=...)``) and returns objects shaped like ``RequestOutput``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd
import pytest
from PIL import Image

from mmoe.labeling import make_backend
from mmoe.labeling.base import UNPARSED, ViewInput
from mmoe.labeling.vllm_backend import VLLMBackend

VOCAB = {"Yes": 10, " Yes": 11, "yes": 12, " yes": 13, "No": 20, " No": 21, "no": 22, " no": 23}


class StandInTokenizer:
    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return [VOCAB[text]] if text in VOCAB else [1, 2]


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
    """Stand-in for ``vllm.LLM``: answers Yes to texts with "[yes]" and to every image."""

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
            text, top = "Maybe", {99: -0.1}
        elif yes:
            text, top = "Yes", {10: math.log(0.5), 13: math.log(0.1), 20: math.log(0.3)}
        else:
            text, top = "No", {20: math.log(0.6), 22: math.log(0.2), 10: math.log(0.2)}
        logprobs = [{token: SimpleNamespace(logprob=lp) for token, lp in top.items()}]
        sample = SimpleNamespace(text=text, token_ids=[1], logprobs=logprobs)
        return SimpleNamespace(outputs=[sample], prompt_token_ids=[0] * 7)


def backend(sampling=StandInSamplingParams, **params) -> VLLMBackend:
    base = {"model": "org/model", "tensor_parallel_size": 2, "dtype": "bfloat16"}
    return VLLMBackend(base | params, 3, engine_factory=StandInLLM, sampling_factory=sampling)


def view(texts: list[str]) -> ViewInput:
    data = pd.DataFrame({"id": range(len(texts)), "split": "train", "x1": texts, "x2": texts})
    return ViewInput(dataset="demo", data=data.assign(label=1), view="x1", kind="text")


def test_one_chat_call_greedy_with_answer_token_ids():
    labeler = backend(chat_template_kwargs={"enable_thinking": False}, max_model_len=4096)
    frame = labeler.label(view(["a [yes]", "b", "c [maybe]", "d [yes]"]))
    engine = labeler.engine
    assert engine.kwargs == {
        "model": "org/model",
        "seed": 3,
        "tensor_parallel_size": 2,
        "max_model_len": 4096,
        "dtype": "bfloat16",
        "gpu_memory_utilization": 0.9,
    }
    assert len(engine.calls) == 1
    messages, sampling, template_kwargs = engine.calls[0]
    assert len(messages) == 4 and template_kwargs == {"enable_thinking": False}
    assert (sampling.temperature, sampling.max_tokens, sampling.seed) == (0.0, 1, 3)
    assert sampling.logprob_token_ids == sorted(VOCAB.values())
    assert frame["pred"].tolist() == [1, 0, UNPARSED, 1]
    assert frame["p"][0] == pytest.approx(0.6 / 0.9)
    assert frame["p"][1] == pytest.approx(0.2 / 1.0)
    assert math.isnan(frame["p"][2])
    assert labeler.stats.prompt_tokens == 28 and labeler.stats.unparsed == 1


def test_falls_back_to_top_logprobs_without_logprob_token_ids():
    labeler = backend(sampling=OldStandInSamplingParams, top_logprobs=5)
    frame = labeler.label(view(["a [yes]"]))
    assert labeler.engine.calls[0][1].logprobs == 5
    assert frame["p"][0] == pytest.approx(0.6 / 0.9)


def test_image_inputs_and_captions(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    data = pd.DataFrame({"id": [7], "split": "val", "x1": ["t"], "x2": ["a.png"], "label": [0]})
    image_view = ViewInput(dataset="mmsarcasm", data=data, view="x2", kind="image")
    labeler = backend(image_root=str(tmp_path))
    assert labeler.label(image_view)["pred"].tolist() == [1]
    captions = labeler.caption(image_view)
    (label_call, _, _), (_, sampling, _) = labeler.engine.calls
    text, image = label_call[0][0]["content"]
    assert text["text"].startswith("Think step by step.")
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert sampling.max_tokens == 256 and sampling.logprob_token_ids is None
    assert captions["caption"].tolist() == ["Yes"]


def test_registered_and_lazy():
    assert isinstance(make_backend("vllm", {"model": "m"}, 0), VLLMBackend)
