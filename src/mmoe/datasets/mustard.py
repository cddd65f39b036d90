"""MUStARD adapter: target utterance (x1) and its dialogue context with speakers (x2).

MUStARD's video frames and audio are not part of the shipped annotations, so both views are text
unless frames are given (see :func:`mmoe.datasets.frames.attach_frames`).
Speaker-independent split: the configured show (FRIENDS) is the test set; a seeded, stratified
slice of the other shows is the validation set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mmoe.datasets.sources import mark_undecodable, read_text
from mmoe.datasets.splits import split_valid_labels


def _context_text(entry: dict) -> str | None:
    """Join context lines as ``SPEAKER: line``; None when the context is not a list of text."""
    context, speakers = entry.get("context"), entry.get("context_speakers")
    if not isinstance(context, list) or not all(isinstance(line, str) for line in context):
        return None
    if not isinstance(speakers, list) or len(speakers) != len(context):
        speakers = [""] * len(context)
    return "\n".join(
        f"{s}: {line}" if s else line for s, line in zip(speakers, context, strict=True)
    )


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    """``json`` keeps the last of duplicate keys silently; MUStARD ids must be unique."""
    seen = [key for key, _ in pairs]
    duplicates = sorted({key for key in seen if seen.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate id(s) {', '.join(map(repr, duplicates[:20]))}")
    return dict(pairs)


X2_TEXTS = ("context", "context_and_utterance")


def load_mustard(
    path: str | Path,
    test_show: str = "FRIENDS",
    val_fraction: float = 0.2,
    seed: int = 0,
    x2_text: str = "context",
) -> pd.DataFrame:
    """Read ``sarcasm_data.json`` into the normalised table (not yet validated): the scenes of
    ``test_show`` are the test split, ``val_fraction`` of the others the validation split (the
    dataset keys of the same names; these defaults are theirs); ``x2_text``: the dialogue
    context, or the context followed by the target utterance (``SPEAKER: utterance``, the whole
    text the paper's text-only prompt reads)."""
    if x2_text not in X2_TEXTS:
        raise ValueError(f"{path}: x2_text {x2_text!r} is not one of {X2_TEXTS}")
    path = Path(path)
    text, bad_lines = read_text(path)
    try:
        raw = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from error
    if not isinstance(raw, dict):
        raise ValueError(
            f"{path}: expected a JSON object of id -> utterance, got {type(raw).__name__}"
        )
    rows = []
    for key, entry in raw.items():
        problem = "" if isinstance(entry, dict) else f"entry is not an object: {entry!r}"
        entry = entry if isinstance(entry, dict) else {}
        context = _context_text(entry)
        if context is None and not problem:
            problem = f"context is not a list of strings: {entry.get('context')!r}"
        if context is not None and x2_text == "context_and_utterance":
            speaker, utterance = entry.get("speaker"), entry.get("utterance")
            line = f"{speaker}: {utterance}" if speaker else utterance
            context = "\n".join(filter(None, [context, line if isinstance(line, str) else None]))
        rows.append(
            {
                "id": str(key),
                "x1": entry.get("utterance"),
                "x2": context,
                "label": entry.get("sarcasm"),
                "speaker": entry.get("speaker"),
                "show": entry.get("show"),
                "source_problem": problem,
            }
        )
    frame = pd.DataFrame(rows)
    is_test = frame["show"] == test_show
    frame["split"] = "test"
    fractions = {"train": 1 - val_fraction, "val": val_fraction}
    frame.loc[~is_test, "split"] = split_valid_labels(frame.loc[~is_test, "label"], fractions, seed)
    mark_undecodable(frame, bad_lines)
    return frame
