"""From a model's answer to a label: parse the text, turn answer-token logprobs into P(Yes)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping

from mmoe.labeling.base import UNPARSED

ANSWER_WORDS = {"yes": 1, "no": 0}
_SPACE_MARKERS = "Ġ▁ \t\n"
_ANSWER = re.compile(r"^[\W_]*(?:answer\W*)?(yes|no)\b", re.IGNORECASE)


def token_label(token: str) -> int | None:
    """1 for a Yes token, 0 for a No token (any case, leading space or space marker), else None."""
    return ANSWER_WORDS.get(token.strip(_SPACE_MARKERS).lower())


def parse_answer(text: str | None) -> int:
    """1 if the answer starts with Yes, 0 if with No, else ``UNPARSED`` (never defaulted to No)."""
    match = _ANSWER.match(text or "")
    return ANSWER_WORDS[match.group(1).lower()] if match else UNPARSED


def yes_probability(
    logprobs: Mapping[Hashable, float] | Iterable[tuple[Hashable, float]],
    label_of: Callable[[Hashable], int | None] = token_label,
) -> float:
    """P(Yes) renormalised over the two answers, summing every token that ``label_of`` maps to one.

    ``logprobs`` maps tokens (strings, or token ids with a matching ``label_of``) to log
    probabilities; NaN when neither answer is among them.
    """
    items = logprobs.items() if isinstance(logprobs, Mapping) else logprobs
    mass = [0.0, 0.0]
    for token, logprob in items:
        label = label_of(token)
        if label is not None and logprob is not None and math.isfinite(logprob):
            mass[label] += math.exp(logprob)
    total = mass[0] + mass[1]
    return mass[1] / total if total > 0 else math.nan


def answer_token_ids(tokenizer) -> dict[int, int]:
    """Token id -> label for every vocabulary entry that spells Yes or No on its own.

    Scans ``tokenizer.get_vocab()``: any casing, with or without a leading space or the
    tokenizer's space marker (byte-level ``ĠYes``, SentencePiece ``▁Yes``).
    """
    vocab = tokenizer.get_vocab()
    ids = {i: label for token, i in vocab.items() if (label := token_label(token)) is not None}
    if set(ids.values()) != {0, 1}:
        raise ValueError("the tokenizer's vocabulary has no single token for Yes or for No")
    return ids
