"""Answer parsing, logprob-to-probability and prompt rendering."""

from __future__ import annotations

import math

import pytest

from mmoe.labeling.answers import answer_token_ids, parse_answer, token_label, yes_probability
from mmoe.labeling.base import UNPARSED
from mmoe.labeling.prompts import PAPER_PROMPTS, content_hash, instruction, messages, prompt_hash


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Yes", 1),
        (" yes, because", 1),
        ("**YES**", 1),
        ("Answer: No.", 0),
        ("no", 0),
        ("Not sure", UNPARSED),
        ("Yesterday", UNPARSED),
        ("Maybe", UNPARSED),
        ("", UNPARSED),
        (None, UNPARSED),
    ],
)
def test_parse_answer(text, label):
    assert parse_answer(text) == label


def test_token_variants_are_summed_and_renormalised():
    assert [token_label(t) for t in ("Yes", " yes", "ĠYES", "▁No", "no", "Nope")] == [
        1,
        1,
        1,
        0,
        0,
        None,
    ]
    logprobs = {"Yes": math.log(0.3), " yes": math.log(0.1), "No": math.log(0.1), "X": 0.0}
    assert yes_probability(logprobs) == pytest.approx(0.8)
    assert math.isnan(yes_probability({"Maybe": -0.1}))
    assert yes_probability([(5, math.log(0.2)), (6, math.log(0.2))], {5: 1, 6: 0}.get) == 0.5


def test_answer_token_ids_scan_the_vocabulary():
    class Tokenizer:
        def __init__(self, vocab):
            self.vocab = vocab

        def get_vocab(self):
            return self.vocab

    vocab = {"Yes": 1, "ĠYES": 2, "▁no": 3, "No.": 4, "Nope": 5, "yesterday": 6, "ĠNo": 7}
    assert answer_token_ids(Tokenizer(vocab)) == {1: 1, 2: 1, 3: 0, 7: 0}
    with pytest.raises(ValueError, match="no single token"):
        answer_token_ids(Tokenizer({"Yes": 1, "Nope": 2}))


def test_prompts_default_to_the_paper_and_render_the_task():
    assert (
        instruction("label", "image", "MUStARD", {}) == PAPER_PROMPTS[("label", "image")]["mustard"]
    )
    assert instruction("label", "text", "x", {}).endswith("Text to evaluate:")
    assert instruction("caption", "image", "x", {}).startswith("Provide a comprehensive")
    assert instruction("label", "text", "x", {"task": "Is it positive?"}) == (
        'Is it positive? Answer with "Yes" or "No".'
    )
    assert instruction("label", "text", "x", {"prompt": "{task}!", "task": "Hm"}) == "Hm!"
    with pytest.raises(ValueError, match="no task"):
        instruction("label", "text", "x", {"prompt": "{task}"})
    with pytest.raises(ValueError, match="no default caption prompt"):
        instruction("caption", "text", "x", {})


def test_hashes_are_stable_and_separate_prompts(tmp_path):
    first = prompt_hash("label", "Q", {"pixels": None})
    assert first == prompt_hash("label", "Q", {"pixels": None})
    assert first != prompt_hash("label", "Q2", {"pixels": None})
    assert first != prompt_hash("caption", "Q", {"pixels": None})
    (tmp_path / "a.png").write_bytes(b"same")
    (tmp_path / "b.png").write_bytes(b"same")
    assert content_hash("image", str(tmp_path / "a.png")) == content_hash(
        "image", str(tmp_path / "b.png")
    )
    assert messages("Q", "text", "item") == [{"role": "user", "content": "Q\n\nitem"}]
