"""Shared core of the chat-model backends (``openai``, ``vllm``): prompts, row cache, answers.

A backend subclass implements :meth:`ChatBackend.complete` (and lists its answer-changing
settings in :meth:`ChatBackend.answer_settings`); this class turns a view into prompts, answers
the rows it can from the row cache, sends the rest once per distinct content in chunks (each
flushed to the cache when it ends), and turns the answers into labels (``label``) or
descriptions (``caption``). A request that failed after its retries fails the run
(:class:`RequestsFailed`) once the finished rows are cached: it never becomes a label.
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
from tqdm import tqdm

from mmoe.labeling.answers import parse_answer
from mmoe.labeling.base import UNPARSED, ViewInput
from mmoe.labeling.cache import RowCache, row_key
from mmoe.labeling.prompts import content_hash, instruction, messages, prompt_hash

log = logging.getLogger(__name__)


class RequestsFailed(RuntimeError):
    """Requests failed after all their retries (the finished rows are cached; rerun to retry)."""


@dataclass
class Completion:
    """One model answer: its text, P(Yes) from logprobs (NaN if unknown), or the error.

    ``missing_logprobs`` marks an answer whose requested answer-token logprobs did not all come
    back (its P(Yes) is NaN).
    """

    text: str | None
    p: float = math.nan
    error: str | None = None
    missing_logprobs: bool = False


@dataclass
class RunStats:
    """What one ``label``/``caption`` call did."""

    rows: int = 0
    cached: int = 0
    sent: int = 0
    failed: int = 0
    unparsed: int = 0
    missing_logprobs: int = 0
    chunks: int = 0
    requests: int = 0
    retries: int = 0
    errors: Counter = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0

    def as_dict(self) -> dict:
        out = asdict(self) | {"errors": dict(self.errors)}
        seconds = max(self.seconds - self.startup_seconds, 1e-9)
        tokens = self.prompt_tokens + self.completion_tokens
        return out | {"rows_per_s": self.sent / seconds, "tokens_per_s": tokens / seconds}

    def describe(self) -> str:
        errors = ", ".join(f"{kind} x{n}" for kind, n in sorted(self.errors.items())) or "none"
        return (
            f"{self.rows} rows: {self.cached} from cache, {self.sent} sent in {self.seconds:.1f} s "
            f"({self.startup_seconds:.1f} s of engine start-up; {self.requests} requests, "
            f"{self.retries} retries; errors: {errors}); "
            f"{self.failed} failed, {self.unparsed} answers parsed to neither label, "
            f"{self.missing_logprobs} without their answer-token logprobs (P(Yes) = NaN)"
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
    ``flush_rows`` (default 100), ``chunk_rows`` (rows sent per chunk, 512),
    ``label_max_tokens`` (1), ``caption_max_tokens`` (256)."""

    name: ClassVar[str]

    def __init__(self, params: dict, seed: int) -> None:
        self.params = params
        self.seed = seed
        self.model = str(params["model"])
        self.image_root = Path(params.get("image_root", "."))
        self.max_pixels = params.get("max_image_pixels")
        self.cache_dir = params.get("cache_dir")
        self.flush_rows = int(params.get("flush_rows", 100))
        self.chunk_rows = int(params.get("chunk_rows", 512))
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

    def answer_settings(self) -> dict:
        """The backend's settings that can change an answer (part of the row-cache key)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the backend started (an engine, a worker process)."""

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
        settings = {"pixels": self.max_pixels, "tokens": max_tokens} | self.answer_settings()
        phash = prompt_hash(purpose, text, settings)
        contents = [self._resolve(view.kind, value) for value in view.data[view.view]]
        hashes = [content_hash(view.kind, content) for content in contents]
        keys = [row_key(self.name, self.model, phash, h) for h in hashes]
        cache = RowCache(self.cache_dir, self.flush_rows)
        rows = cache.load()
        todo = list(dict.fromkeys(k for k in keys if k not in rows))
        source = dict(zip(keys, zip(contents, hashes, strict=True), strict=True))
        self.stats = RunStats(rows=len(keys), cached=sum(k in rows for k in keys), sent=len(todo))
        errors: dict[str, str] = {}
        where = f"{self.name} {purpose} of '{view.dataset}' {view.view}"

        def store(key: str, completion: Completion) -> None:
            if completion.error is not None:
                self.stats.failed += 1
                errors[key] = completion.error
                return
            pred = parse_answer(completion.text) if purpose == "label" else UNPARSED
            self.stats.unparsed += purpose == "label" and pred == UNPARSED
            self.stats.missing_logprobs += completion.missing_logprobs
            row = {"key": key, "backend": self.name, "model": self.model, "prompt_hash": phash}
            row |= {"content_hash": source[key][1], "text": completion.text}
            rows[key] = row | {"p": completion.p, "pred": pred}
            cache.add(rows[key])

        with cache, tqdm(total=len(todo), desc=where) as bar:
            for first in range(0, len(todo), self.chunk_rows):
                chunk = todo[first : first + self.chunk_rows]
                prompts = Conversations(
                    text, view.kind, [source[k][0] for k in chunk], self.max_pixels
                )

                def on_result(index: int, completion: Completion, chunk=chunk) -> None:
                    store(chunk[index], completion)
                    bar.update()

                self.complete(prompts, max_tokens, purpose == "label", on_result)
                self.stats.chunks += 1
                cache.flush()
        self.stats.seconds = time.perf_counter() - start
        failed_ids = [i for i, key in zip(view.data["id"], keys, strict=True) if key in errors]
        self._report(where, failed_ids, errors)
        found = [rows[k] for k in keys]
        return pd.DataFrame(
            {
                "id": view.data["id"].to_numpy(),
                "text": [r["text"] for r in found],
                "p": [float(r["p"]) for r in found],
                "pred": [int(r["pred"]) for r in found],
            }
        )

    def _report(self, where: str, failed_ids: list, errors: dict[str, str]) -> None:
        """Log the run's counts; raise :class:`RequestsFailed` naming the rows that failed."""
        stats = self.stats
        problems = stats.failed or stats.unparsed or stats.missing_logprobs
        log.log(logging.WARNING if problems else logging.INFO, "%s: %s", where, stats.describe())
        if errors:
            more = f" and {len(failed_ids) - 20} more" if len(failed_ids) > 20 else ""
            raise RequestsFailed(
                f"{where}: {len(failed_ids)} rows failed after all retries (ids "
                f"{[str(i) for i in failed_ids[:20]]}{more}; first error: "
                f"{next(iter(errors.values()))}); the {stats.sent - len(errors)} finished rows "
                "are cached, a rerun sends only the failed ones"
            )

    def _resolve(self, kind: str, value) -> str:
        return str(self.image_root / str(value)) if kind == "image" else str(value)
