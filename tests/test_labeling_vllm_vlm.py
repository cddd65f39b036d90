"""Image views on vLLM's real engine (CPU build) with a tiny random-weight vision-language model.

The model (an Idefics3 around the shipped SmolLM2 tokenizer, :mod:`tests.tiny_vlm`) is built
from a config in vLLM's environment, so nothing is downloaded. Its answers are noise; the tests
check that the image of each row reaches the engine (the prompt grows by the image's tokens,
different images get different answers) through the ``vllm`` backend and the ``caption_view``
rule.
"""

from __future__ import annotations

import subprocess
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from mmoe.labeling.base import ViewInput
from mmoe.labeling.prompts import instruction, messages
from mmoe.labeling.vllm_backend import VLLMBackend
from mmoe.labeling.vllm_engine import WorkerEngine
from tests.conftest import REPO, run_snakemake, tiny_config
from tests.tiny_vlm import IMAGE_SEQ_LEN
from tests.vllm_env import smollm2, vllm_params, vllm_python


def params(model, **extra) -> dict:
    """``vllm`` params for the tiny VLM: a KV cache of a tenth of RAM is plenty for it."""
    return vllm_params(model, gpu_memory_utilization=0.1, **extra)


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory):
    """The tiny Idefics3 folder (built once for the module, about 15 s)."""
    out = tmp_path_factory.mktemp("tiny-vlm") / "model"
    command = [vllm_python(), str(REPO / "tests/tiny_vlm.py"), str(smollm2()), str(out)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise AssertionError(f"building the tiny VLM failed:\n{result.stderr[-4000:]}")
    return out


@pytest.fixture(scope="module")
def engine(tiny_vlm):
    backend = VLLMBackend(params(tiny_vlm), 0)
    start = time.perf_counter()
    worker = WorkerEngine(vllm_python(), backend.engine_kwargs())
    print(f"vLLM engine started in {time.perf_counter() - start:.1f} s")
    yield worker
    worker.close()


def image_view(folder, n: int) -> ViewInput:
    """``n`` rows whose x1 is a PNG of its own random pixels (rows 0 and ``n-1`` the same
    bytes under two names), x2 a text."""
    names = [f"img{i}.png" for i in range(n)]
    for i, name in enumerate(names[:-1]):
        pixels = np.random.default_rng(i).integers(0, 256, (24 + 4 * (i % 3), 32, 3))
        Image.fromarray(pixels.astype(np.uint8)).save(folder / name)
    (folder / names[-1]).write_bytes((folder / names[0]).read_bytes())
    data = pd.DataFrame(
        {"id": [f"r{i}" for i in range(n)], "split": "test", "x1": names, "x2": "t", "label": 0}
    )
    return ViewInput(dataset="synthetic", data=data, view="x1", kind="image")


# First in the module: its job starts its own engine, before the module's engine is up.
def test_the_caption_rule_describes_every_image_with_the_real_engine(tiny_vlm, tmp_path):
    path = tiny_config(tmp_path, multitask={})
    config = yaml.safe_load(path.read_text())
    synthetic = config["datasets"]["synthetic"] | {"n": 100}  # fewer rows fail its stratified split
    synthetic["captioning"] = {
        "backend": "vllm",
        "params": params(tiny_vlm, caption_max_tokens=8),
        "resources": {"mem_mb": 4000, "cpus_per_task": 1},
    }
    config["datasets"] = {"synthetic": synthetic}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    target = "results/synthetic/captions/x1.parquet"
    run_snakemake(tmp_path, "--cores", "2", target)
    data = pd.read_parquet(tmp_path / "results/synthetic/data.parquet")
    captions = pd.read_parquet(tmp_path / target)
    assert captions.columns.tolist() == ["id", "caption"]
    assert captions["id"].tolist() == data["id"].tolist()
    assert captions["caption"].map(lambda c: isinstance(c, str) and c != "").all()
    assert captions["caption"].nunique() > 1  # the answers depend on the image
    log = (tmp_path / "logs/synthetic/caption_view/x1.log").read_text()
    assert f"{len(data)} rows: 0 from cache, {len(data)} sent" in log


def test_an_image_adds_its_tokens_to_the_prompt(engine, tmp_path):
    view = image_view(tmp_path, 2)
    text = instruction("label", "image", "synthetic", {})
    with_image = messages(text, "image", str(tmp_path / view.data["x1"][0]))
    without = [{"role": "user", "content": with_image[0]["content"][:1]}]
    assert without[0]["content"] == [{"type": "text", "text": text}]
    answers = engine.generate([with_image, without], max_tokens=1, logprobs=True, seed=0)
    # the image became <fake_token_around_image><global-img>, its IMAGE_SEQ_LEN <image>
    # embeddings and <fake_token_around_image>, not a lone placeholder token
    assert answers[0].prompt_tokens - answers[1].prompt_tokens >= IMAGE_SEQ_LEN + 2
    assert answers[0].p != answers[1].p


def test_vllm_backend_labels_an_image_view(engine, tiny_vlm, tmp_path):
    view = image_view(tmp_path, 5)
    extra = {"cache_dir": str(tmp_path / "cache"), "image_root": str(tmp_path)}
    backend = VLLMBackend(params(tiny_vlm, **extra), 0, engine=engine)
    frame = backend.label(view)
    assert frame["id"].tolist() == view.data["id"].tolist()
    assert frame["p"].between(0, 1).all() and frame["pred"].isin([-1, 0, 1]).all()
    stats = backend.stats
    assert (stats.sent, stats.requests, stats.failed, stats.missing_logprobs) == (4, 4, 0, 0)
    assert stats.prompt_tokens > 4 * IMAGE_SEQ_LEN
    p = frame["p"].tolist()
    assert p[0] == p[-1]  # the same image bytes: sent once
    assert len(set(p[:-1])) == 4  # four different images, four different answers
    again = VLLMBackend(params(tiny_vlm, **extra), 0, engine=engine)
    assert again.label(view).equals(frame) and again.stats.sent == 0
