"""Shared core of the chat-model backends (``openai``, ``vllm``): prompts, row cache, answers.

A backend subclass only implements :meth:`ChatBackend.complete`; this class turns a view into
prompts, answers the rows it can from the row cache, sends the rest once per distinct content,
and turns the answers into labels (``label``) or descriptions (``caption``).
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from mmoe.labeling.answers import parse_answer
from mmoe.labeling.base import UNPARSED, ViewInput
from mmoe.labeling.cache import RowCache, row_key
from mmoe.labeling.prompts import content_hash, instruction, messages, prompt_hash

log = logging.getLogger(__name__)


@dataclass
class Completion:
    """One model answer: its text, P(Yes) from logprobs (NaN if unknown), or the error."""

    text: str | None
    p: float = math.nan
    error: str | None = None


@dataclass
class RunStats:
    """What one ``label``/``caption`` call did."""

    rows: int = 0
    cached: int = 0
    sent: int = 0
    failed: int = 0
    unparsed: int = 0
    requests: int = 0
    retries: int = 0
    errors: Counter = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        out = asdict(self) | {"errors": dict(self.errors)}
        seconds = max(self.seconds, 1e-9)
        tokens = self.prompt_tokens + self.completion_tokens
        return out | {"rows_per_s": self.sent / seconds, "tokens_per_s": tokens / seconds}

    def describe(self) -> str:
        errors = ", ".join(f"{kind} x{n}" for kind, n in sorted(self.errors.items())) or "none"
        return (
            f"{self.rows} rows: {self.cached} from cache, {self.sent} sent in {self.seconds:.1f} s "
            f"({self.requests} requests, {self.retries} retries; errors: {errors}); "
            f"{self.failed} failed, {self.unparsed} answers parsed to neither label"
        )


class Conversations(Sequence):
    """Chat messages for each content, built on access (images are read only when sent)."""

    def __init__(self, instruction_text: str, kind: str, contents: list[str], max_pixels):
        self.instruction, self.kind, self.contents = instruction_text, kind, contents
        self.max_pixels = max_pixels

    def __len__(self) -> int:
        return len(self.contents)

    def __getitem__(self, index):
        return messages(self.instruction, self.kind, self.contents[index], self.max_pixels)


class ChatBackend:
    """Base of the chat-model backends. Params: ``model``; optional ``prompt``,
    ``caption_prompt``, ``task``, ``image_root``, ``max_image_pixels``, ``cache_dir``,
    ``flush_rows`` (default 100), ``label_max_tokens`` (1), ``caption_max_tokens`` (256)."""

    name: ClassVar[str]

    def __init__(self, params: dict, seed: int) -> None:
        self.params = params
        self.seed = seed
        self.model = str(params["model"])
        self.image_root = Path(params.get("image_root", "."))
        self.max_pixels = params.get("max_image_pixels")
        self.cache_dir = params.get("cache_dir")
        self.flush_rows = int(params.get("flush_rows", 100))
        self.max_tokens = {
            "label": int(params.get("label_max_tokens", 1)),
            "caption": int(params.get("caption_max_tokens", 256)),
        }
        self.stats = RunStats()

    def complete(
        self,
        conversations: Sequence[list[dict]],
        max_tokens: int,
        logprobs: bool,
        on_result: Callable[[int, Completion], None],
    ) -> None:
        """Answer every conversation, calling ``on_result(index, completion)`` as each finishes."""
        raise NotImplementedError

    def label(self, view: ViewInput) -> pd.DataFrame:
        return self.run(view, "label")[["id", "p", "pred"]]

    def caption(self, view: ViewInput) -> pd.DataFrame:
        """A description of every image of ``view``: a frame (id, caption)."""
        if view.kind != "image":
            raise ValueError(f"view {view.view} of '{view.dataset}' is {view.kind}, not image")
        return self.run(view, "caption")[["id", "text"]].rename(columns={"text": "caption"})

    def run(self, view: ViewInput, purpose: str) -> pd.DataFrame:
        """Answers for every row of ``view``: a frame (id, text, p, pred) in the view's order."""
        start = time.perf_counter()
        text = instruction(purpose, view.kind, view.dataset, self.params)
        max_tokens = self.max_tokens[purpose]
        phash = prompt_hash(purpose, text, {"pixels": self.max_pixels, "tokens": max_tokens})
        contents = [self._resolve(view.kind, value) for value in view.data[view.view]]
        hashes = [content_hash(view.kind, content) for content in contents]
        keys = [row_key(self.name, self.model, phash, h) for h in hashes]
        cache = RowCache(self.cache_dir, self.flush_rows)
        rows = cache.load()
        todo = list(dict.fromkeys(k for k in keys if k not in rows))
        source = dict(zip(keys, zip(contents, hashes, strict=True), strict=True))
        self.stats = RunStats(rows=len(keys), cached=sum(k in rows for k in keys), sent=len(todo))

        def on_result(index: int, completion: Completion) -> None:
            key = todo[index]
            pred = parse_answer(completion.text) if purpose == "label" else UNPARSED
            row = {"key": key, "backend": self.name, "model": self.model, "prompt_hash": phash}
            row |= {"content_hash": source[key][1], "text": completion.text}
            rows[key] = row | {"p": completion.p, "pred": pred}
            if completion.error is not None:
                self.stats.failed += 1
                return
            if purpose == "label" and pred == UNPARSED:
                self.stats.unparsed += 1
            cache.add(rows[key])

        with cache:
            if todo:
                prompts = Conversations(
                    text, view.kind, [source[k][0] for k in todo], self.max_pixels
                )
                self.complete(prompts, max_tokens, purpose == "label", on_result)
        self.stats.seconds = time.perf_counter() - start
        level = logging.WARNING if self.stats.failed or self.stats.unparsed else logging.INFO
        where = f"{self.name} {purpose} of '{view.dataset}' {view.view}"
        log.log(level, "%s: %s", where, self.stats.describe())
        found = [rows[k] for k in keys]
        return pd.DataFrame(
            {
                "id": view.data["id"].to_numpy(),
                "text": [r["text"] for r in found],
                "p": [float(r["p"]) for r in found],
                "pred": [int(r["pred"]) for r in found],
            }
        )

    def _resolve(self, kind: str, value) -> str:
        return str(self.image_root / str(value)) if kind == "image" else str(value)
