"""Pooling datasets for multitask experts, and the multitask training stage."""

import numpy as np
import pandas as pd
import pytest

from mmoe import pooling
from mmoe.families import Examples
from mmoe.families.hf_training import view_texts
from mmoe.stages.multitask import train_multitask_expert


def _part(kinds, widths, n=2, captions=None, start=0.0):
    return Examples(
        ids=[str(i) for i in range(n)],
        x1=[f"x1-{i}" for i in range(n)],
        x2=[f"x2-{i}" for i in range(n)],
        view_kinds=kinds,
        features={v: np.full((n, w), start + k) for k, (v, w) in enumerate(widths.items())},
        targets=np.arange(n) % 2,
        captions=captions or {},
    )


TEXT = {"x1": "text", "x2": "text"}
IMAGE_TEXT = {"x1": "image", "x2": "text"}


def test_layout_gives_each_kind_its_block_and_shares_a_kind():
    parts = {"a": _part(TEXT, {"x1": 3, "x2": 3}), "b": _part(IMAGE_TEXT, {"x1": 2, "x2": 3})}
    layout = pooling.feature_layout(parts)
    assert layout == {"x1": [("image", 2), ("text", 3)], "x2": [("text", 3)]}
    pooled = pooling.pool(parts)
    assert pooled.features["x1"].shape == (4, 5) and pooled.features["x2"].shape == (4, 3)
    b_only = pooling.pool({"b": parts["b"]}, group=parts)  # one member, the group's layout
    assert b_only.features["x1"].shape == (2, 5) and b_only.features["x2"].shape == (2, 3)
    assert pooled.ids == ["a:0", "a:1", "b:0", "b:1"]
    assert pooled.targets.tolist() == [0, 1, 0, 1]


def test_layout_places_values_in_their_own_block():
    a = _part(TEXT, {"x1": 1, "x2": 1}, start=5.0)
    b = _part(IMAGE_TEXT, {"x1": 1, "x2": 1}, start=7.0)
    x1 = pooling.pool({"a": a, "b": b}).features["x1"]  # blocks: image, text
    assert x1.tolist() == [[0.0, 5.0], [0.0, 5.0], [7.0, 0.0], [7.0, 0.0]]


def test_widths_of_one_kind_must_agree():
    parts = {"a": _part(TEXT, {"x1": 3, "x2": 3}), "b": _part(TEXT, {"x1": 4, "x2": 3})}
    with pytest.raises(ValueError, match=r"text features of view x1 .*'a': 3, 'b': 4"):
        pooling.pool(parts)


def test_captioned_images_pool_as_text_and_uncaptioned_ones_are_mixed():
    captioned = _part(IMAGE_TEXT, {"x1": 2, "x2": 3}, captions={"x1": ["a red circle"] * 2})
    text = _part(TEXT, {"x1": 3, "x2": 3})
    pooled = pooling.pool({"t": text, "c": captioned})
    assert pooled.view_kinds == TEXT
    assert view_texts(pooled, "x1") == ["x1-0", "x1-1", "a red circle", "a red circle"]
    mixed = pooling.pool({"t": text, "i": _part(IMAGE_TEXT, {"x1": 2, "x2": 3})})
    assert mixed.view_kinds["x1"] == pooling.MIXED
    assert mixed.features["x1"].shape == (4, 5)  # feature families still work
    with pytest.raises(ValueError, match="captioning backend"):
        view_texts(mixed, "x1")


def test_parts_without_features_pool_their_views_only():
    text = _part(TEXT, {})
    captioned = _part(IMAGE_TEXT, {}, captions={"x1": ["a red circle"] * 2})
    pooled = pooling.pool({"t": text, "c": captioned})
    assert pooled.features == {}
    assert view_texts(pooled, "x1") == ["x1-0", "x1-1", "a red circle", "a red circle"]


def _member(tmp_path, name, kinds, width, n=60, seed=0):
    """A dataset folder as the workflow writes it: data, features and a rus partition."""
    rng = np.random.default_rng(seed)
    root = tmp_path / name
    label = rng.integers(0, 2, n)
    split = np.array(["train", "train", "train", "val", "test"] * (n // 5))
    data = pd.DataFrame(
        {"id": [f"{name}{i}" for i in range(n)], "split": split, "x1": "a", "x2": "b",
         "label": label}
    )  # fmt: skip
    root.mkdir()
    data.to_parquet(root / "data.parquet")
    features = {}
    for view in ("x1", "x2"):
        features[view] = root / f"{view}.npy"
        signal = label[:, None] * 2.0 - 1.0
        np.save(features[view], signal + rng.normal(0, 0.5, (n, width[view])))
    train = data[data["split"] == "train"]
    kinds_of_rows = np.array(list("RUS"))[np.arange(len(train)) % 3]
    partition = root / "partition"
    for kind in "RUS":
        folder = partition / f"interaction={kind}"
        folder.mkdir(parents=True)
        train[kinds_of_rows == kind][["id"]].assign(split="train").to_parquet(
            folder / "part-0.parquet"
        )
    return {"data": root / "data.parquet", "partition": partition, "features": features,
            "kinds": kinds, "captions": {}}  # fmt: skip


def test_train_multitask_expert_pools_partitions_and_writes_logits_per_dataset(tmp_path):
    pytest.importorskip("torch")
    members = {
        "a": _member(tmp_path, "a", TEXT, {"x1": 4, "x2": 4}),
        "b": _member(tmp_path, "b", IMAGE_TEXT, {"x1": 3, "x2": 4}, n=40, seed=1),
    }
    params = {"hidden": 8, "epochs": 3, "patience": 3, "batch_size": 8}
    out, logits = tmp_path / "models/S/seed0", tmp_path / "logits/S/seed0"
    summary = train_multitask_expert(
        family="mlp", params=params, members=members, expert="S", seed=0, model=out, logits=logits
    )
    assert summary["n_train_per_dataset"] == {"a": 12, "b": 8}
    assert summary["n_train"] == 20 and summary["n_val"] == 12 + 8
    for name, n in (("a", 60), ("b", 40)):
        frame = pd.read_parquet(logits / f"{name}.parquet")
        data = pd.read_parquet(members[name]["data"])
        expected = data[data["split"].isin(["val", "test"])]["id"].tolist()
        assert frame["id"].tolist() == expected and len(expected) == 2 * n // 5
        assert np.isfinite(frame[["logit_0", "logit_1"]].to_numpy()).all()
    assert (out / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.joinpath("logits/S").iterdir()) == ["seed0"]
