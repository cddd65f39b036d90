"""Entry points for the workflow's scatter jobs: one shard of one view, labeled or captioned."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from mmoe.labeling import make_backend
from mmoe.labeling.base import ViewInput
from mmoe.labeling.chat import ChatBackend
from mmoe.labeling.sharding import shard_mask


def _shard(view: ViewInput, n_shards: int, shard_index: int) -> ViewInput:
    """The rows of one shard, chosen by content so that equal contents are sent by one job."""
    mask = shard_mask(view.data[view.view], n_shards, shard_index)
    features = None if view.features is None else view.features[mask]
    return dataclasses.replace(view, data=view.data[mask].reset_index(drop=True), features=features)


@contextmanager
def _flush_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (SLURM, Snakemake) into SystemExit so the row cache flushes what finished."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_shard(purpose: str, view, backend_name, params, seed, cache_dir, n_shards, shard_index):
    # the job's log (stderr) gets the run's counts and the engine's choices, not only warnings
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    backend = make_backend(backend_name, {**params, "cache_dir": os.fspath(cache_dir)}, seed)
    if not isinstance(backend, ChatBackend):
        raise ValueError(f"backend {backend_name!r} is not a chat-model backend")
    try:
        with _flush_on_sigterm():
            frame = getattr(backend, purpose)(_shard(view, n_shards, shard_index))
    finally:
        backend.close()
    frame.attrs["stats"] = backend.stats.as_dict()
    return frame


def label_view_shard(
    view: ViewInput,
    backend_name: str,
    params: dict,
    seed: int,
    cache_dir: str | os.PathLike,
    n_shards: int = 1,
    shard_index: int = 0,
) -> pd.DataFrame:
    """Label shard ``shard_index`` of ``n_shards`` of ``view`` with a chat backend (openai, vllm).

    Returns (id, p, pred) for the shard's rows in their original order; ``frame.attrs["stats"]``
    holds the run's counts and throughput (rows/s, tokens/s). Rows already in the row cache at
    ``cache_dir`` are not sent again; finished rows are flushed there in batches as they come
    (and on SIGTERM), so a killed job resumes where it stopped. Gather the shards with
    ``merge_shards``.
    """
    args = (backend_name, params, seed, cache_dir, n_shards, shard_index)
    return _run_shard("label", view, *args)


def caption_images(
    view: ViewInput,
    backend_name: str,
    params: dict,
    seed: int,
    cache_dir: str | os.PathLike,
    n_shards: int = 1,
    shard_index: int = 0,
) -> pd.DataFrame:
    """Describe the images of one shard of an image view: (id, caption), like ``label_view_shard``.

    The captions can then serve as a text view for text-only expert families.
    """
    args = (backend_name, params, seed, cache_dir, n_shards, shard_index)
    return _run_shard("caption", view, *args)
