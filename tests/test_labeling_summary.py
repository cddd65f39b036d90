"""Sharding a view's rows, gathering the shards, and the per-view labeling summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmoe.labeling.decision import decide
from mmoe.labeling.sharding import merge_shards, shard_mask, shard_of
from mmoe.labeling.summary import LabelingError, check_unparsed, summarise_labels


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
    assert decide(frame, data)["pred"].tolist() == frame["pred"].tolist()
    assert decide(frame, data, "argmax")["pred"].tolist() == [0, 0, 0, 0, 0, 1, 1, 0]
    rated = decide(frame, data, "train_positive_rate")
    # 2 of the 5 training rows with a P(Yes) are gold positive: the threshold keeps the top 2
    assert rated.attrs == {"decision": "train_positive_rate", "threshold": 0.25}
    assert rated["pred"].tolist() == [1, 1, 0, 0, 0, 1, 1, 0]
    summary = summarise_labels(data, {"x1": rated, "x2": frame}).set_index(["view", "split"])
    assert summary.loc[("x1", "all"), "decision"] == "train_positive_rate"
    assert summary.loc[("x1", "train"), "threshold"] == 0.25
    assert summary.loc[("x2", "all"), "decision"] == "backend"
    with pytest.raises(ValueError, match="unknown labeling decision"):
        decide(frame, data, "vote")
