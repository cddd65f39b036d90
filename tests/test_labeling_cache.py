"""The row cache: appended rows, changed prompts and killed runs relabel only what is missing."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pandas as pd

from mmoe.labeling.cache import RowCache
from mmoe.labeling.jobs import label_view_shard
from mmoe.labeling.sharding import merge_shards
from tests.loopback_openai import LoopbackOpenAI
from tests.test_labeling_openai import params, text_view


def requested_rows(server: LoopbackOpenAI) -> set[int]:
    return {int(re.search(r"<r(\d+)>", text).group(1)) for text in server.texts}


def test_appended_rows_changed_prompts_and_duplicates(tmp_path):
    cache = tmp_path / "cache"
    with LoopbackOpenAI() as server:
        first = label_view_shard(text_view(10), "openai", params(server), 0, cache)
        assert server.requests == 10
        server.reset()
        grown = label_view_shard(text_view(15), "openai", params(server), 0, cache)
        assert server.requests == 5
        assert requested_rows(server) == set(range(10, 15))
        pd.testing.assert_frame_equal(grown.iloc[:10], first)
        assert grown.attrs["stats"]["cached"] == 10

        server.reset()
        view = text_view(4)
        view.data["x1"] = "same text [yes]"
        label_view_shard(view, "openai", params(server, prompt="Sarcastic? Yes or No."), 0, cache)
        assert server.requests == 1  # new prompt: relabeled, one request per distinct content


def test_cache_keeps_the_latest_row_and_compacts(tmp_path):
    row = {"key": "k", "backend": "b", "model": "m", "prompt_hash": "h", "content_hash": "c"}
    with RowCache(tmp_path, flush_rows=1) as cache:
        cache.add(row | {"text": "No", "p": 0.2, "pred": 0})
        cache.add(row | {"text": "Yes", "p": 0.9, "pred": 1})
        cache.add(row | {"key": "j", "text": None, "p": float("nan"), "pred": -1})
    assert len(cache.parts()) == 3
    cache.compact()
    assert len(cache.parts()) == 1
    loaded = cache.load()
    assert loaded["k"]["pred"] == 1 and loaded["j"]["text"] is None


CHILD = """
import sys
from mmoe.labeling.jobs import label_view_shard
from mmoe.labeling.sharding import merge_shards
from tests.test_labeling_openai import params, text_view

class Server:
    url = sys.argv[1]

extra = {"concurrency": 2, "flush_rows": 10}
label_view_shard(text_view(300), "openai", params(Server, **extra), 0, sys.argv[2])
"""


def test_killed_run_resumes_with_only_the_missing_rows(tmp_path):
    cache = tmp_path / "cache"
    with LoopbackOpenAI(latency=0.02) as server:
        child = subprocess.Popen([sys.executable, "-c", CHILD, server.url, str(cache)])
        deadline = time.monotonic() + 60
        while len(RowCache(cache).parts()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 128 + signal.SIGTERM  # flushed, then exited
        done = RowCache(cache).load()
        assert 30 <= len(done) < 300
        server.reset()
        frame = label_view_shard(text_view(300), "openai", params(server), 0, cache)
        # every row not cached is requested once, so no cached row is requested again
        assert server.requests == len(requested_rows(server)) == 300 - len(done)
    assert frame["pred"].tolist() == [1 if i % 2 == 0 else 0 for i in range(300)]
    assert frame.attrs["stats"]["cached"] == len(done)


def test_shards_share_one_cache_and_gather_to_the_full_view(tmp_path):
    view = text_view(20)
    with LoopbackOpenAI() as server:
        parts = [
            label_view_shard(view, "openai", params(server), 0, tmp_path / "cache", 3, shard)
            for shard in range(3)
        ]
        assert server.requests == 20 and all(len(part) for part in parts)
        server.reset()
        whole = label_view_shard(view, "openai", params(server), 0, tmp_path / "cache")
        assert server.requests == 0
    merged = merge_shards(parts, view.data["id"])
    pd.testing.assert_frame_equal(merged, whole)
