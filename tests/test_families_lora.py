"""The transformer + LoRA families: tiny random models built offline, and real MiniLM weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
transformers = pytest.importorskip("transformers")

from mmoe.families.base import Examples  # noqa: E402
from mmoe.families.blip2_lora import Blip2LoraFamily  # noqa: E402
from mmoe.families.causal_lm_lora import CausalLMLoraFamily  # noqa: E402
from mmoe.families.encoder_lora import EncoderLoraFamily  # noqa: E402
from mmoe.families.hf_training import (  # noqa: E402
    Preempted,
    length_batches,
    pad_tokens,
)

REPO = Path(__file__).resolve().parents[1]
MUSTARD = REPO / "data/mustard/sarcasm_data.json"
WORDS = [
    "good",
    "bad",
    "fine",
    "awful",
    "great",
    "terrible",
    "the",
    "movie",
    "was",
    "very",
    "not",
    "really",
]
TINY = {"epochs": 2, "patience": 5, "batch_size": 4, "eval_batch_size": 5, "lr": 1e-2}


@pytest.fixture(autouse=True)
def _two_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


def byte_bpe_tokenizer():
    """A tiny byte-level BPE tokenizer (the kind Qwen2/OPT tokenizers load as), trained offline."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    prompt = [
        "Input",
        "1:",
        "2:",
        "Question:",
        "Which",
        "answer",
        "is",
        "right?",
        "Answer:",
        "Text:",
        "No",
        "Yes",
    ]
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<pad>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator([" ".join(prompt + WORDS)] * 20, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", bos_token="<s>", eos_token="</s>"
    )


def toy_examples(n: int, seed: int, image_dir: Path | None = None) -> Examples:
    """Sentences whose label is whether x1 says something good; x1 may be an image path."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    x1 = [
        f"the movie was {rng.choice(['good', 'great'] if y else ['bad', 'awful'])}" for y in labels
    ]
    x2 = [" ".join(rng.choice(WORDS, 4)) for _ in range(n)]
    kinds = {"x1": "text", "x2": "text"}
    if image_dir is not None:
        from PIL import Image

        image_dir.mkdir(exist_ok=True)
        for i, y in enumerate(labels):
            Image.fromarray(np.full((16, 16, 3), 200 * int(y), dtype=np.uint8)).save(
                image_dir / f"{seed}_{i}.png"
            )
        x1 = [str(image_dir / f"{seed}_{i}.png") for i in range(n)]
        kinds["x1"] = "image"
    ids = [f"{seed}-{i}" for i in range(n)]
    return Examples(ids=ids, x1=x1, x2=x2, view_kinds=kinds, targets=labels)


def test_length_batches_and_padding():
    lengths = [5, 1, 4, 2, 3, 6, 1]
    ordered = length_batches(lengths, 3)
    assert [list(b) for b in ordered] == [[1, 6, 3], [4, 2, 0], [5]]
    shuffled = length_batches(lengths, 2, np.random.default_rng(0), bucket_batches=2)
    assert sorted(int(i) for b in shuffled for i in b) == list(range(7))
    for batch in shuffled[:-1]:
        chunk_sorted = sorted(lengths[i] for i in batch)
        assert [lengths[i] for i in batch] == chunk_sorted
    items = [{"input_ids": [7, 8, 9]}, {"input_ids": [5]}]
    left, right = pad_tokens(items, 0, "left"), pad_tokens(items, 0, "right")
    assert left["input_ids"].tolist() == [[7, 8, 9], [0, 0, 5]]
    assert right["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


@pytest.fixture(scope="module")
def tiny_qwen2(tmp_path_factory) -> Path:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    path = tmp_path_factory.mktemp("qwen2")
    tokenizer = byte_bpe_tokenizer()
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_blip2(tmp_path_factory) -> Path:
    from transformers import (
        Blip2Config,
        Blip2ForConditionalGeneration,
        Blip2Processor,
        BlipImageProcessor,
    )

    path = tmp_path_factory.mktemp("blip2")
    processor = Blip2Processor(
        image_processor=BlipImageProcessor(size={"height": 16, "width": 16}),
        tokenizer=byte_bpe_tokenizer(),
        num_query_tokens=4,
    )
    tokenizer = processor.tokenizer
    config = Blip2Config(
        vision_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "image_size": 16,
            "patch_size": 8,
        },
        qformer_config={
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "encoder_hidden_size": 32,
        },
        text_config={
            "model_type": "opt",
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "ffn_dim": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "word_embed_proj_dim": 32,
            "max_position_embeddings": 128,
            "pad_token_id": tokenizer.pad_token_id,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
        },
        num_query_tokens=4,
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
    )
    torch.manual_seed(0)
    Blip2ForConditionalGeneration(config).save_pretrained(path)
    processor.save_pretrained(path)
    return path


def fit_and_compare(family, train: Examples, val: Examples, out: Path, params: dict) -> dict:
    """Train, then check that the saved model reloads to the very logits of the trained one."""
    model, processor, summary = family.train(train, val, 2, out, params, seed=0)
    before = family.logits(model, processor, val, summary["saved"]["hp"], summary["saved"]["meta"])
    family.save(model, processor, summary["saved"], out)
    after = family.predict(out, val, params)
    assert after.shape == (len(val), 2)
    assert np.isfinite(after).all()
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)
    counts = family.parameter_counts(out)
    assert 0 < counts["trainable"] < counts["total"] == counts["trainable"] + counts["frozen"]
    return summary


def test_causal_lm_lora_trains_saves_and_reloads(tiny_qwen2, tmp_path):
    family = CausalLMLoraFamily()
    params = {**TINY, "model_path": str(tiny_qwen2)}
    summary = fit_and_compare(
        family, toy_examples(16, 1), toy_examples(10, 2), tmp_path / "m", params
    )
    assert summary["saved"]["meta"]["answer_words"] == ["No", "Yes"]
    assert len(summary["history"]) == 2
    saved = json.loads((tmp_path / "m/model/family.json").read_text())
    assert saved["family"] == "causal-lm-lora"


def test_blip2_lora_trains_saves_and_reloads(tiny_blip2, tmp_path):
    family = Blip2LoraFamily()
    params = {**TINY, "model_path": str(tiny_blip2)}
    train = toy_examples(12, 1, tmp_path / "images")
    val = toy_examples(8, 2, tmp_path / "images")
    fit_and_compare(family, train, val, tmp_path / "m", params)


def test_cpu_autocast_trains_and_predicts_in_bfloat16(tiny_qwen2, tmp_path, monkeypatch):
    family = CausalLMLoraFamily()
    dtypes = []
    real = family.class_logits

    def recording(model, batch, meta):
        logits = real(model, batch, meta)
        dtypes.append(logits.dtype)
        return logits

    monkeypatch.setattr(family, "class_logits", recording)
    params = {**TINY, "model_path": str(tiny_qwen2), "cpu_autocast": "bfloat16"}
    train, val = toy_examples(16, 1), toy_examples(10, 2)
    bf16 = fit_and_compare(family, train, val, tmp_path / "bf16", params)
    assert set(dtypes) == {torch.bfloat16}  # training, validation and the reloaded model
    assert bf16["saved"]["hp"]["cpu_autocast"] == "bfloat16"
    dtypes.clear()
    fit_and_compare(family, train, val, tmp_path / "fp32", {**params, "cpu_autocast": None})
    assert set(dtypes) == {torch.float32}
    with pytest.raises(ValueError, match="cpu_autocast is 'float16'"):
        family.hyper_parameters({"cpu_autocast": "float16"})


@pytest.mark.parametrize(("avx512_bf16", "amx", "resolved"), [
    (True, False, "bfloat16"), (False, True, "bfloat16"), (False, False, None),
])  # fmt: skip
def test_cpu_autocast_auto_is_bfloat16_only_where_the_cpu_has_it(
    monkeypatch, avx512_bf16, amx, resolved
):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    hp = EncoderLoraFamily().hyper_parameters({"cpu_autocast": "auto"})
    assert hp["cpu_autocast"] == resolved  # what the model trains with, saves and predicts with
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # CUDA autocasts on its own
    assert EncoderLoraFamily().hyper_parameters({"cpu_autocast": "auto"})["cpu_autocast"] is None


def test_resume_after_preemption_matches_uninterrupted_run(tiny_qwen2, tmp_path):
    from safetensors.torch import load_file

    family = CausalLMLoraFamily()
    params = {**TINY, "epochs": 3, "grad_accum": 2, "model_path": str(tiny_qwen2)}
    train, val = toy_examples(16, 1), toy_examples(10, 2)
    whole = family.fit(train, val, 2, tmp_path / "whole", params, seed=3)
    with pytest.raises(Preempted):
        family.fit(train, val, 2, tmp_path / "split", {**params, "max_epochs_this_run": 1}, 3)
    assert (tmp_path / "split/checkpoint/last.pt").is_file()
    assert not (tmp_path / "split/model").exists()
    resumed = family.fit(train, val, 2, tmp_path / "split", params, seed=3)
    assert resumed["resumed_from_epoch"] == 1 and whole["resumed_from_epoch"] is None
    assert (tmp_path / "split/checkpoint/last.pt").is_file()  # kept until the logits are written
    family.discard_checkpoint(params, tmp_path / "split")
    assert not (tmp_path / "split/checkpoint").exists() and (tmp_path / "split/model").is_dir()
    weights = [
        load_file(tmp_path / d / "model/adapter_model.safetensors") for d in ("whole", "split")
    ]
    assert weights[0].keys() == weights[1].keys()
    for key in weights[0]:
        torch.testing.assert_close(weights[0][key], weights[1][key], rtol=0, atol=0)
    assert [h["val_f1"] for h in whole["history"]] == [h["val_f1"] for h in resumed["history"]]


def _relabelled(examples: Examples) -> Examples:
    return Examples(**{**vars(examples), "targets": 1 - examples.targets})


def _other_rows(examples: Examples) -> Examples:
    return Examples(**{**vars(examples), "ids": [f"other-{i}" for i in examples.ids]})


@pytest.mark.parametrize("change", [_relabelled, _other_rows])
def test_a_checkpoint_of_other_training_rows_or_targets_is_not_resumed(
    tiny_qwen2, tmp_path, change
):
    family = CausalLMLoraFamily()
    params = {**TINY, "model_path": str(tiny_qwen2)}
    train, val = toy_examples(16, 1), toy_examples(10, 2)
    with pytest.raises(Preempted):
        family.fit(train, val, 2, tmp_path / "m", {**params, "max_epochs_this_run": 1}, 3)
    summary = family.fit(change(train), val, 2, tmp_path / "m", params, seed=3)
    assert summary["resumed_from_epoch"] is None and len(summary["history"]) == 2


def test_encoder_lora_learns_on_real_minilm(tmp_path):
    pytest.importorskip("all_minilm_l6_v2")
    from mmoe.pretrained import extract_minilm

    raw = json.loads(MUSTARD.read_text())
    rows = list(raw.values())[:80]
    examples = Examples(
        ids=[str(i) for i in range(len(rows))],
        x1=[r["utterance"] for r in rows],
        x2=["\n".join(r["context"]) for r in rows],
        view_kinds={"x1": "text", "x2": "text"},
        targets=np.array([int(r["sarcasm"]) for r in rows]),
    )
    train, val = examples.subset(np.arange(64)), examples.subset(np.arange(64, 80))
    params = {
        "model_path": str(extract_minilm(tmp_path / "minilm")),
        "epochs": 3,
        "patience": 3,
        "batch_size": 16,
        "max_length": 64,
        "lr": 2e-3,
    }
    family = EncoderLoraFamily()
    summary = fit_and_compare(family, train, val, tmp_path / "m", params)
    losses = [h["train_loss"] for h in summary["history"]]
    assert losses[-1] < losses[0], losses
    assert family.parameter_counts(tmp_path / "m")["total"] > 20_000_000
