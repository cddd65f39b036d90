"""Deterministic sharding of a view's rows and the gather step that undoes it.

A row's shard depends only on its content (the view's text or image path), so rows that share a
text or an image path share a shard and are sent once, however the shards' jobs overlap in time
(the same image under two paths may be sent by two shards), and appending rows never moves
existing rows between shards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd


def shard_of(keys: Iterable, n_shards: int) -> np.ndarray:
    """The shard (0 .. n_shards-1) of every key: a stable hash of the key, not Python's hash()."""
    digests = (hashlib.sha256(str(k).encode()).digest()[:8] for k in keys)
    return np.array([int.from_bytes(d, "big") % n_shards for d in digests], dtype=int)


def shard_mask(keys: Iterable, n_shards: int, shard_index: int) -> np.ndarray:
    """Which of ``keys`` fall in shard ``shard_index`` of ``n_shards``."""
    if n_shards < 1 or not 0 <= shard_index < n_shards:
        raise ValueError(f"shard {shard_index} of {n_shards} does not exist")
    return shard_of(keys, n_shards) == shard_index


def merge_shards(frames: Iterable[pd.DataFrame], ids: Iterable) -> pd.DataFrame:
    """Concatenate shard outputs and put them in the order of ``ids``, checking completeness."""
    merged = pd.concat(list(frames), ignore_index=True)
    ids = pd.Index(list(ids))
    duplicated = merged["id"][merged["id"].duplicated()].unique()
    missing = ids.difference(merged["id"])
    extra = pd.Index(merged["id"]).difference(ids)
    if len(duplicated) or len(missing) or len(extra):
        raise ValueError(
            f"shards do not cover the rows exactly once: {len(missing)} missing "
            f"(e.g. {list(missing[:3])}), {len(duplicated)} duplicated "
            f"(e.g. {list(duplicated[:3])}), {len(extra)} unknown (e.g. {list(extra[:3])})"
        )
    return merged.set_index("id").loc[ids].reset_index()
