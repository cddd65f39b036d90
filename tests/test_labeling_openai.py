"""The ``openai`` backend against a real HTTP server on 127.0.0.1 that injects faults."""

from __future__ import annotations

import base64
import io
import logging
import math

import pandas as pd
import pytest
from PIL import Image

from mmoe.labeling import make_backend
from mmoe.labeling.base import UNPARSED, ViewInput
from mmoe.labeling.jobs import caption_images
from mmoe.labeling.openai_backend import parse_completion
from mmoe.labeling.prompts import PAPER_PROMPTS
from tests.loopback_openai import P_YES, LoopbackOpenAI

KEY = "sk-test-not-a-real-key"


def text_view(n: int, special: dict[int, str] | None = None) -> ViewInput:
    special = special or {}
    texts = [
        f"<r{i}> oh great {special.get(i, '[yes]' if i % 2 == 0 else '[no]')}" for i in range(n)
    ]
    data = pd.DataFrame(
        {"id": [f"id{i}" for i in range(n)], "split": "train", "x1": texts, "x2": texts}
    )
    data["label"] = [i % 2 == 0 for i in range(n)]
    return ViewInput(dataset="demo", data=data.astype({"label": int}), view="x1", kind="text")


def params(server: LoopbackOpenAI, **extra) -> dict:
    base = {"base_url": server.url, "model": "stub", "api_key_env": "MMOE_TEST_KEY"}
    return base | {"timeout": 0.5, "backoff": 0.01, "max_retries": 3, "concurrency": 4} | extra


def test_client_survives_injected_faults_and_reports_them(monkeypatch, caplog):
    monkeypatch.setenv("MMOE_TEST_KEY", KEY)
    view = text_view(12, special={7: "[maybe]"})
    with LoopbackOpenAI(hang_seconds=1.5) as server:
        server.faults = {
            "<r1>": ["500", "500"],
            "<r2>": ["429"],
            "<r3>": ["hang"],
            "<r4>": ["malformed"],
            "<r5>": ["500"] * 4,  # more than max_retries: the row fails
        }
        backend = make_backend("openai", params(server), seed=0)
        with caplog.at_level(logging.INFO, logger="mmoe.labeling"):
            frame = backend.label(view)
        assert server.authorizations == {f"Bearer {KEY}"}
        assert server.requests == 12 + 2 + 1 + 1 + 1 + 3

    assert list(frame.columns) == ["id", "p", "pred"]
    assert frame["id"].tolist() == view.data["id"].tolist()
    expected = [1 if i % 2 == 0 else 0 for i in range(12)]
    expected[5] = expected[7] = UNPARSED  # failed request; answer "Maybe"
    assert frame["pred"].tolist() == expected
    for i in (0, 1, 2, 3, 4, 6):
        assert frame["p"][i] == pytest.approx(P_YES["Yes" if i % 2 == 0 else "No"])
    assert math.isnan(frame["p"][5])
    assert frame["p"][7] == pytest.approx(0.5)

    stats = backend.stats
    assert (stats.rows, stats.sent, stats.failed, stats.unparsed) == (12, 12, 1, 1)
    assert stats.retries == 2 + 1 + 1 + 1 + 3
    assert stats.errors == {"HTTP 500": 6, "HTTP 429": 1, "timeout": 1, "malformed body": 1}
    assert stats.prompt_tokens == 10 * 11
    report = caplog.text
    assert "1 failed, 1 answers parsed to neither label" in report
    assert "HTTP 500 x6" in report and "timeout x1" in report
    assert KEY not in report


def test_no_key_sent_when_the_variable_is_unset(monkeypatch):
    monkeypatch.delenv("MMOE_TEST_KEY", raising=False)
    with LoopbackOpenAI() as server:
        make_backend("openai", params(server), seed=0).label(text_view(2))
        assert server.authorizations == {None}
        body = server.bodies[0]
    assert (body["temperature"], body["max_tokens"], body["logprobs"]) == (0, 1, True)
    assert body["top_logprobs"] == 20
    assert body["messages"][0]["content"].startswith("Please analyze the text")


def write_png(path, size) -> str:
    Image.new("RGB", size, (200, 30, 30)).save(path)
    return path.name


def test_image_views_send_data_urls_and_captions(tmp_path):
    names = [write_png(tmp_path / f"img{i}.png", (40 + i, 30)) for i in range(3)]
    data = pd.DataFrame({"id": [0, 1, 2], "split": "test", "x1": ["t"] * 3, "x2": names})
    view = ViewInput(dataset="mustard", data=data.assign(label=0), view="x2", kind="image")
    extra = {"image_root": str(tmp_path), "max_image_pixels": 600}
    with LoopbackOpenAI() as server:
        frame = make_backend("openai", params(server, **extra), seed=0).label(view)
        body = server.bodies[0]
        server.reset()
        captions = caption_images(view, "openai", params(server, **extra), 0, tmp_path / "cache")
        caption_body = server.bodies[0]
    assert frame["pred"].tolist() == [0, 0, 0]
    text, image = body["messages"][0]["content"]
    assert text["text"] == PAPER_PROMPTS[("label", "image")]["mustard"]
    url = image["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as sent:
        assert sent.width * sent.height <= 600
    assert captions.columns.tolist() == ["id", "caption"]
    assert all(c.startswith("A description") for c in captions["caption"])
    assert caption_body["max_tokens"] == 256 and "logprobs" not in caption_body
    assert caption_body["messages"][0]["content"][0]["text"].startswith("Describe the body")


def test_parse_completion_without_logprobs_gives_nan():
    completion, usage = parse_completion(b'{"choices": [{"message": {"content": "Yes"}}]}', True)
    assert completion.text == "Yes" and math.isnan(completion.p) and usage == {}


def test_unreachable_server_fails_rows_without_raising():
    with LoopbackOpenAI() as server:
        url = server.url  # closed when the block ends
    backend = make_backend(
        "openai", {"base_url": url, "model": "stub", "max_retries": 1, "backoff": 0.01}, 0
    )
    frame = backend.label(text_view(2))
    assert frame["pred"].tolist() == [UNPARSED, UNPARSED]
    assert backend.stats.failed == 2 and backend.stats.retries == 2
    assert set(backend.stats.errors) == {"ClientConnectorError"}
