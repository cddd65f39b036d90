"""Sharding a view's rows, gathering the shards, and the per-view labeling summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmoe.labeling.decision import clamp_positive_rate, decide
from mmoe.labeling.sharding import merge_shards, shard_mask, shard_of
from mmoe.labeling.summary import (
    LabelingError,
    check_unparsed,
    one_class_warnings,
    summarise_labels,
)


def table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"d{i}" for i in range(n)], "split": "train", "label": 0})


def test_shards_partition_rows_stably_and_merge_back():
    data = table(200)
    shards = [data[shard_mask(data["id"], 4, k)] for k in range(4)]
    assert sum(map(len, shards)) == 200 and all(len(s) > 20 for s in shards)
    grown = table(260)
    assert (shard_of(grown["id"], 4)[:200] == shard_of(data["id"], 4)).all()
    outputs = [s[["id"]].assign(pred=1) for s in reversed(shards)]
    merged = merge_shards(outputs, data["id"])
    assert merged["id"].tolist() == data["id"].tolist()
    with pytest.raises(ValueError, match="1 missing"):
        merge_shards([*outputs[:-1], outputs[-1].iloc[1:]], data["id"])
    with pytest.raises(ValueError, match="1 duplicated"):
        merge_shards([*outputs, outputs[0].iloc[:1]], data["id"])
    with pytest.raises(ValueError, match="does not exist"):
        shard_mask(data["id"], 4, 4)


def test_rows_sharing_a_content_share_a_shard():
    """Shards are chosen by content, so two shard jobs never both send the same text."""
    from mmoe.labeling.base import ViewInput
    from mmoe.labeling.jobs import _shard

    data = table(300).assign(x1=[f"text {i % 40}" for i in range(300)])
    view = ViewInput("d", data, "x1", "text", features=np.arange(300.0)[:, None])
    shards = [_shard(view, 3, k) for k in range(3)]
    contents = [set(s.data["x1"]) for s in shards]
    assert sum(map(len, contents)) == 40 and all(contents)
    assert sum(len(s.data) for s in shards) == 300
    assert all((s.features[:, 0] == s.data["id"].str[1:].astype(float)).all() for s in shards)


def test_summary_counts_rates_and_agreements():
    data = pd.DataFrame(
        {"id": range(6), "split": ["train"] * 4 + ["test"] * 2, "label": [1, 0, 1, 0, 1, 0]}
    )
    y1 = pd.DataFrame({"id": range(6), "pred": [1, 0, -1, 0, 1, 1]})
    y2 = pd.DataFrame({"id": list(reversed(range(6))), "pred": [1, 1, 1, 0, 0, 1]})
    summary = summarise_labels(data, {"x1": y1, "x2": y2}).set_index(["view", "split"])
    row = summary.loc[("x1", "all")]
    assert (row.rows, row.positive, row.negative, row.unparsed) == (6, 3, 2, 1)
    assert row.unparsed_rate == pytest.approx(1 / 6)
    assert row.positive_rate == pytest.approx(3 / 5)
    assert row.gold_agreement == pytest.approx(4 / 5)
    # y2 by id: [1, 0, 0, 1, 1, 1]
    assert row.agreement_x2 == pytest.approx(4 / 5)
    assert summary.loc[("x1", "test")].rows == 2
    assert np.isnan(summary.loc[("x2", "all")].get("agreement_x2", np.nan))

    check_unparsed(summary.reset_index(), 0.2, "demo")
    with pytest.raises(LabelingError, match=r"view x1: 1 of 6 answers \(16.7%\)"):
        check_unparsed(summary.reset_index(), 0.1, "demo")


def test_decisions_label_from_the_answer_the_logprobs_or_a_training_threshold():
    data = pd.DataFrame(
        {"id": range(8), "split": ["train"] * 6 + ["test"] * 2, "label": [1, 1, 0, 0, 0, 0, 1, 0]}
    )
    p = [0.30, 0.25, 0.20, 0.10, 0.05, np.nan, 0.60, 0.22]
    frame = pd.DataFrame({"id": range(8), "p": p, "pred": [0, -1, 0, 0, 0, 1, 1, -1]})
    assert decide(frame, data, "answer", 0.0)["pred"].tolist() == frame["pred"].tolist()
    assert decide(frame, data, "argmax", 0.0)["pred"].tolist() == [0, 0, 0, 0, 0, 1, 1, 0]
    rated = decide(frame, data, "train_positive_rate", 0.0)
    # 2 of the 5 training rows with a P(Yes) are gold positive: the threshold keeps the top 2
    assert rated.attrs == {
        "decision": "train_positive_rate",
        "threshold": 0.25,
        "positive_rate_bound": 0.0,
        "clamped": [],
    }
    assert rated["pred"].tolist() == [1, 1, 0, 0, 0, 1, 1, 0]
    summary = summarise_labels(data, {"x1": rated, "x2": frame}).set_index(["view", "split"])
    assert summary.loc[("x1", "all"), "decision"] == "train_positive_rate"
    assert summary.loc[("x1", "train"), "threshold"] == 0.25
    assert summary.loc[("x2", "all"), "decision"] == "backend"
    with pytest.raises(ValueError, match="unknown labeling decision"):
        decide(frame, data, "vote", 0.0)


def test_the_clamp_every_branch():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05, np.nan])
    # inside the bounds (3 of 9 known rows positive): unchanged
    inside = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 1])
    assert clamp_positive_rate(p, inside, 0.2).tolist() == inside.tolist()
    # below 20% (0 of 9): the top int(9 * 0.2) = 1 by P(y=1); the row without p keeps its label
    none = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert clamp_positive_rate(p, none, 0.2).tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    # above 80% (9 of 9): the top int(9 * 0.8) = 7
    every = np.ones(10, int)
    assert clamp_positive_rate(p, every, 0.2).tolist() == [1] * 7 + [0, 0, 1]
    # off, or no known probability: unchanged
    assert clamp_positive_rate(p, none, 0.0).tolist() == none.tolist()
    assert clamp_positive_rate(np.full(3, np.nan), np.zeros(3, int), 0.2).tolist() == [0, 0, 0]
    # an unparsed answer keeps its -1 and does not count
    unparsed = np.array([-1, 0, 0, 0, 0, 0])
    clamped = clamp_positive_rate(np.linspace(0.9, 0.4, 6), unparsed, 0.2)
    assert clamped.tolist() == [-1, 1, 0, 0, 0, 0]


def test_decide_clamps_each_split_and_the_summary_flags_one_class_labels():
    data = pd.DataFrame(
        {"id": range(10), "split": ["train"] * 5 + ["test"] * 5, "label": [1, 0, 0, 0, 0] * 2}
    )
    p = [0.45, 0.40, 0.30, 0.20, 0.10, 0.35, 0.30, 0.25, 0.20, 0.15]
    frame = pd.DataFrame({"id": range(10), "p": p, "pred": [0] * 10})
    clamped = decide(frame, data, "argmax", bound=0.2)
    assert clamped["pred"].tolist() == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert clamped.attrs["clamped"] == ["train", "test"]
    plain = decide(frame, data, "argmax", 0.0)
    summary = summarise_labels(data, {"x1": clamped, "x2": plain}).set_index(["view", "split"])
    assert not summary.loc[("x1", "train"), "one_class"]
    assert summary.loc[("x1", "train"), "clamped"]
    assert summary.loc[("x2", "train"), "one_class"]
    warnings = one_class_warnings(summary.reset_index(), "demo")
    assert len(warnings) == 3  # x2: train, test and all
    assert "dataset 'demo' view x2: every one of the 5 train label(s) is negative" in warnings[0]
    with pytest.raises(ValueError, match="bound"):
        decide(frame, data, "argmax", bound=0.5)
