"""The ``openai`` backend against a real vLLM OpenAI-compatible server on 127.0.0.1.

One server (``python -m vllm.entrypoints.openai.api_server``, vLLM's CPU build, the shipped
SmolLM2 model) serves the module. Labeling jobs run as the workflow runs them
(``mmoe.stages.label.label_shard`` in a subprocess) where they are killed; the server counts the
requests it answered (its Prometheus ``vllm:request_success_total``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from mmoe.labeling import make_backend
from mmoe.labeling.cache import RowCache
from mmoe.labeling.prompts import instruction, messages
from tests.conftest import REPO
from tests.loopback_openai import TcpRelay
from tests.vllm_env import VLLMServer, mustard_rows, reference_p_yes, smollm2

JOB = """
import json, sys
from mmoe.stages.label import label_shard
data, labeling, cache, out, stats = sys.argv[1:]
label_shard(
    dataset="mustard", data=data, view="x1", kind="text", labeling=json.loads(labeling), seed=0,
    cache_dir=cache, shard=0, labels=out, stats=stats,
)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("vllm-server") / "server.log"
    running = VLLMServer(smollm2(), log)
    print(f"vLLM server ready in {running.startup_s:.1f} s")
    yield running
    running.stop()


def openai_params(url: str, **extra) -> dict:
    base = {"base_url": url, "model": str(smollm2()), "concurrency": 2, "timeout": 30}
    return base | {"max_retries": 2, "backoff": 0.1} | extra


@pytest.mark.parametrize("by_token_ids", [False, True])
def test_openai_backend_matches_a_transformers_forward_pass(server, by_token_ids):
    rows = mustard_rows(6)
    params = openai_params(server.url, logprob_token_ids=by_token_ids)
    backend = make_backend("openai", params, 0)
    frame = backend.label(rows)
    prompt = instruction("label", "text", "mustard", {})
    chats = [messages(prompt, "text", t) for t in rows.data["x1"]]
    expected = reference_p_yes(smollm2(), chats, top=None if by_token_ids else 20)
    assert frame["p"].to_numpy() == pytest.approx(expected, abs=1e-3)
    assert backend.stats.missing_logprobs == 0 and backend.stats.retries == 0


def test_top_logprobs_above_the_server_maximum_fails_unretried(server):
    from mmoe.labeling.openai_backend import RequestRejected

    backend = make_backend("openai", openai_params(server.url, top_logprobs=21), 0)
    with pytest.raises(RequestRejected, match=r"HTTP 400 .*greater than max allowed: 20"):
        backend.label(mustard_rows(4))
    assert backend.stats.retries == 0


def start_job(tmp_path, url: str, cache, **params):
    """The labeling job for 48 rows (chunks of 4) in a subprocess: (process, output, stats)."""
    data = tmp_path / "data.parquet"
    mustard_rows(48).data.to_parquet(data)
    labeling = {
        "backend": "openai",
        "params": openai_params(url, chunk_rows=4, **params),
        "shards": 1,
    }
    out, stats = tmp_path / "labels.parquet", tmp_path / "stats.json"
    args = [str(data), json.dumps(labeling), str(cache), str(out), str(stats)]
    job = subprocess.Popen(
        [sys.executable, "-c", JOB, *args], cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    return job, out, stats


def run_job(tmp_path, url: str, cache, kill: signal.Signals | None = None):
    """Run the job to its end, or ``kill`` it once two chunks are cached."""
    job, out, stats = start_job(tmp_path, url, cache)
    if kill is not None:
        wait_for_parts(cache, 2, job)
        job.send_signal(kill)
    _, stderr = job.communicate(timeout=300)
    return job.returncode, stderr, out, stats


def wait_for_parts(cache, n: int, job: subprocess.Popen) -> None:
    """Until ``n`` cache parts (chunks) are written or the job has ended."""
    while len(RowCache(cache).parts()) < n and job.poll() is None:
        time.sleep(0.05)


def settled_requests(server: VLLMServer) -> int:
    """The server's finished-request count once in-flight requests have drained."""
    count, previous = server.requests(), -1
    while count != previous:
        time.sleep(1.0)
        count, previous = server.requests(), count
    return count


@pytest.mark.parametrize("kill", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_job_resumes_without_resending_finished_chunks(server, tmp_path, kill):
    cache = tmp_path / "cache"
    code, stderr, out, _ = run_job(tmp_path, server.url, cache, kill)
    assert code == (128 + kill if kill == signal.SIGTERM else -kill), stderr[-2000:]
    assert not out.exists()
    cached = len(RowCache(cache).load())
    assert 8 <= cached < 48
    before = settled_requests(server)
    code, stderr, out, stats = run_job(tmp_path, server.url, cache)
    assert code == 0, stderr[-2000:]
    assert server.requests() - before == 48 - cached  # finished chunks were not sent again
    assert json.loads(stats.read_text())["cached"] == cached
    uninterrupted = make_backend("openai", openai_params(server.url), 0).label(mustard_rows(48))
    resumed = pd.read_parquet(out)
    assert resumed["id"].tolist() == uninterrupted["id"].tolist()
    assert resumed["pred"].tolist() == uninterrupted["pred"].tolist()
    assert resumed["p"].to_numpy() == pytest.approx(uninterrupted["p"].to_numpy(), abs=1e-5)


def test_the_client_retries_through_a_server_outage(server):
    relay = TcpRelay(server.port)
    rows = mustard_rows(24)
    params = openai_params(relay.url, max_retries=10, backoff=0.25, max_backoff=1.0)
    backend = make_backend("openai", params, 0)

    def end_of_outage() -> None:
        time.sleep(2.0)
        relay.restore()

    # The server is gone when the job starts (a warm server answers 24 rows in under a second,
    # so an outage that began later could miss them all) and comes back 2 s later.
    relay.cut()
    thread = threading.Thread(target=end_of_outage)
    thread.start()
    try:
        frame = backend.label(rows)
    finally:
        thread.join()
        relay.close()
    assert backend.stats.retries > 0
    direct = make_backend("openai", openai_params(server.url), 0).label(rows)
    assert frame["pred"].tolist() == direct["pred"].tolist()
    assert frame["p"].to_numpy() == pytest.approx(direct["p"].to_numpy(), abs=1e-5)


def test_a_stopped_server_fails_the_job_clearly_with_nothing_half_written(server, tmp_path):
    """Runs last: it stops the module's server."""
    cache = tmp_path / "cache"
    job, out, stats = start_job(tmp_path, server.url, cache)
    wait_for_parts(cache, 1, job)
    server.stop()
    _, stderr = job.communicate(timeout=300)
    assert job.returncode != 0
    assert "rows failed after all retries" in stderr and "ClientConnectorError" in stderr
    assert not out.exists() and not stats.exists()
    cached = RowCache(cache).load()
    assert 4 <= len(cached) < 48 and all(row["pred"] in (-1, 0, 1) for row in cached.values())
