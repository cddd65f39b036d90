"""The ``openai`` backend against a real HTTP server on 127.0.0.1 that injects faults."""

from __future__ import annotations

import base64
import io
import json
import logging
import math

import pandas as pd
import pytest
from PIL import Image

from mmoe.labeling import make_backend
from mmoe.labeling.base import UNPARSED, ViewInput
from mmoe.labeling.chat import RequestsFailed
from mmoe.labeling.jobs import caption_images
from mmoe.labeling.openai_backend import RequestRejected, parse_completion
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


def test_client_survives_injected_faults_and_fails_rows_it_could_not_label(
    monkeypatch, caplog, tmp_path
):
    monkeypatch.setenv("MMOE_TEST_KEY", KEY)
    view = text_view(12, special={7: "[maybe]"})
    with LoopbackOpenAI(hang_seconds=1.5) as server:
        server.faults = {
            "<r1>": ["500", "500"],
            "<r2>": ["429"],
            "<r3>": ["hang"],
            "<r4>": ["malformed"],
            "<r6>": ["408"],
            "<r5>": ["500"] * 4,  # more than max_retries: the row fails, and so does the run
        }
        backend = make_backend("openai", params(server, cache_dir=str(tmp_path)), seed=0)
        with (
            caplog.at_level(logging.INFO, logger="mmoe.labeling"),
            pytest.raises(RequestsFailed, match=r"'demo' x1: 1 rows failed .*\['id5'\]"),
        ):
            backend.label(view)
        assert server.authorizations == {f"Bearer {KEY}"}
        assert server.requests == 12 + 2 + 1 + 1 + 1 + 1 + 3
        stats = backend.stats
        assert (stats.rows, stats.sent, stats.failed, stats.unparsed) == (12, 12, 1, 1)
        assert stats.retries == 2 + 1 + 1 + 1 + 1 + 3
        assert stats.errors == {
            "HTTP 500": 6, "HTTP 429": 1, "HTTP 408": 1, "timeout": 1, "malformed body": 1
        }  # fmt: skip
        assert stats.prompt_tokens == 10 * 11
        report = caplog.text
        assert "1 failed, 1 answers parsed to neither label" in report
        assert "HTTP 500 x6" in report and "timeout x1" in report
        assert KEY not in report

        server.reset()  # the failed row is retried on the next run, the others come from cache
        frame = make_backend("openai", params(server, cache_dir=str(tmp_path)), 0).label(view)
        assert server.requests == 1 and "<r5>" in next(iter(server.texts))

    assert list(frame.columns) == ["id", "p", "pred"]
    assert frame["id"].tolist() == view.data["id"].tolist()
    expected = [1 if i % 2 == 0 else 0 for i in range(12)]
    expected[7] = UNPARSED  # answer "Maybe"
    assert frame["pred"].tolist() == expected
    for i in (0, 1, 2, 3, 4, 5, 6):
        assert frame["p"][i] == pytest.approx(P_YES["Yes" if i % 2 == 0 else "No"])
    assert frame["p"][7] == pytest.approx(0.5)


def test_a_rejected_request_stops_the_run_unretried(tmp_path):
    with LoopbackOpenAI() as server:
        server.faults = {"<r0>": ["400"]}
        backend = make_backend("openai", params(server, concurrency=1), seed=0)
        with pytest.raises(RequestRejected, match=r"HTTP 400 .*top_logprobs=20.*injected"):
            backend.label(text_view(6))
        assert server.requests == 1 and backend.stats.retries == 0


def test_answer_changing_settings_are_in_the_cache_key(tmp_path):
    view = text_view(2)
    with LoopbackOpenAI() as server:
        for extra, sent in (
            ({}, 2),
            ({"concurrency": 1, "timeout": 2.0}, 0),
            ({"extra_body": {"chat_template_kwargs": {"enable_thinking": False}}}, 2),
            ({"top_logprobs": 5}, 2),
        ):
            backend = make_backend("openai", params(server, cache_dir=str(tmp_path), **extra), 0)
            backend.label(view)
            assert backend.stats.sent == sent, extra


def test_no_key_sent_when_the_variable_is_unset(monkeypatch):
    monkeypatch.delenv("MMOE_TEST_KEY", raising=False)
    with LoopbackOpenAI() as server:
        make_backend("openai", params(server), seed=0).label(text_view(2))
        assert server.authorizations == {None}
        body = server.bodies[0]
    assert (body["temperature"], body["max_completion_tokens"], body["logprobs"]) == (0, 1, True)
    assert "max_tokens" not in body
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
    assert caption_body["max_completion_tokens"] == 256 and "logprobs" not in caption_body
    assert caption_body["messages"][0]["content"][0]["text"].startswith("Describe the body")


def test_parse_completion_without_logprobs_gives_nan():
    completion, usage = parse_completion(b'{"choices": [{"message": {"content": "Yes"}}]}', True)
    assert completion.text == "Yes" and math.isnan(completion.p) and usage == {}


def test_parse_completion_by_token_ids_checks_every_requested_id_came_back():
    def body(ids_and_probabilities):
        top = [{"token": f"token_id:{i}", "logprob": math.log(p)} for i, p in ids_and_probabilities]
        first = {"token": top[0]["token"], "logprob": top[0]["logprob"], "top_logprobs": top}
        choice = {"message": {"content": "Yes"}, "logprobs": {"content": [first]}}
        return json.dumps({"choices": [choice]}).encode()

    answer_ids = {5: 1, 6: 1, 9: 0}
    completion, _ = parse_completion(body([(5, 0.3), (6, 0.1), (9, 0.4)]), True, answer_ids)
    assert completion.p == pytest.approx(0.5) and not completion.missing_logprobs
    completion, _ = parse_completion(body([(5, 0.3), (9, 0.4)]), True, answer_ids)
    assert math.isnan(completion.p) and completion.missing_logprobs


def test_unreachable_server_fails_the_run_clearly(tmp_path):
    with LoopbackOpenAI() as server:
        url = server.url  # closed when the block ends
    settings = {"base_url": url, "model": "stub", "max_retries": 1, "backoff": 0.01}
    backend = make_backend("openai", settings | {"cache_dir": str(tmp_path)}, 0)
    with pytest.raises(RequestsFailed, match=r"2 rows failed .*ClientConnectorError after 2"):
        backend.label(text_view(2))
    assert backend.stats.failed == 2 and backend.stats.retries == 2
    assert set(backend.stats.errors) == {"ClientConnectorError"}
    assert not list(tmp_path.iterdir())  # nothing cached, nothing half-written
