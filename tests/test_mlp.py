import numpy as np

from mmoe.families import Examples, get_family


def _examples(n, seed, n_classes=2):
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, n_classes, n)
    x1 = rng.normal(size=(n, 5)) + targets[:, None]
    x2 = rng.normal(size=(n, 3))
    ids = [f"r{i}" for i in range(n)]
    return Examples(
        ids=ids, x1=ids, x2=ids, view_kinds={"x1": "text", "x2": "text"},
        features={"x1": x1, "x2": x2}, targets=targets,
    )  # fmt: skip


def test_mlp_learns_saves_and_reloads(tmp_path):
    family = get_family("mlp")
    train, val = _examples(200, 0), _examples(60, 1)
    params = {"epochs": 30, "patience": 30, "hidden": 16}
    summary = family.fit(train, val, 2, tmp_path / "a", params, seed=0)
    assert summary["best_val_f1"] > 0.7
    logits = family.predict(tmp_path / "a", val, params)
    assert logits.shape == (60, 2)
    assert ((logits.argmax(1) == val.targets).mean()) > 0.7
    np.testing.assert_array_equal(logits, family.predict(tmp_path / "a", val, params))
    counts = family.parameter_counts(tmp_path / "a")
    assert counts["total"] == (8 * 16 + 16) + (16 * 2 + 2)


def test_mlp_is_deterministic_given_the_seed(tmp_path):
    family = get_family("mlp")
    train, val = _examples(120, 0, n_classes=3), _examples(40, 1, n_classes=3)
    params = {"epochs": 5, "hidden": 8}
    family.fit(train, val, 3, tmp_path / "a", params, seed=4)
    family.fit(train, val, 3, tmp_path / "b", params, seed=4)
    family.fit(train, val, 3, tmp_path / "c", params, seed=5)
    a, b, c = (family.predict(tmp_path / k, val, params) for k in "abc")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_shared_start_begins_from_the_single_model(tmp_path):
    import torch

    family = get_family("mlp")
    train, val = _examples(120, 0), _examples(40, 1)
    family.fit(train, val, 2, tmp_path / "single", {"epochs": 5, "hidden": 8}, seed=0)
    params = {"epochs": 0, "init_from": str(tmp_path / "single")}
    summary = family.fit(train.subset(np.arange(30)), val, 2, tmp_path / "expert", params, seed=1)
    single, expert = (
        torch.load(tmp_path / k / "model.pt", weights_only=False) for k in ("single", "expert")
    )
    for key, weights in single["state"].items():
        torch.testing.assert_close(expert["state"][key], weights)
    np.testing.assert_array_equal(expert["mean"], single["mean"])
    assert summary["best_epoch"] == -1  # the untouched start is the first candidate
    tuned = family.fit(train, val, 2, tmp_path / "tuned", {**params, "epochs": 3}, seed=1)
    start = tuned["history"][0]
    assert (start["epoch"], start["val_f1"]) == (-1, summary["best_val_f1"])


def test_type_aware_selection_uses_only_its_types_validation_rows(tmp_path):
    """An expert fine-tuned from a model of the opposite rule on rows where y follows x: its own
    type's validation rows (same rule) and all validation rows (mostly the opposite rule) pick
    different epochs, and the typed choice is the best epoch on the typed rows."""
    family = get_family("mlp")
    train, own = _examples(200, 0), _examples(40, 1)
    opposite, other = _examples(200, 3), _examples(160, 2)
    opposite.targets, other.targets = 1 - opposite.targets, 1 - other.targets
    every = Examples(
        ids=own.ids + other.ids, x1=own.x1 + other.x1, x2=own.x2 + other.x2,
        view_kinds=own.view_kinds, targets=np.r_[own.targets, other.targets],
        features={v: np.r_[own.features[v], other.features[v]] for v in own.features},
    )  # fmt: skip
    family.fit(opposite, other, 2, tmp_path / "start", {"epochs": 20, "hidden": 8}, seed=0)
    params = {"epochs": 20, "patience": 20, "lr": 0.01, "init_from": str(tmp_path / "start")}
    typed = family.fit(train, own, 2, tmp_path / "typed", params, seed=0)
    pooled = family.fit(train, every, 2, tmp_path / "pooled", params, seed=0)
    assert pooled["best_epoch"] == -1 and typed["best_epoch"] >= 0
    scores = {h["epoch"]: h["val_f1"] for h in typed["history"]}
    assert typed["best_val_f1"] == max(scores.values()) == scores[typed["best_epoch"]]
    own_accuracy = (family.predict(tmp_path / "typed", own, params).argmax(1) == own.targets).mean()
    assert own_accuracy > 0.7


def test_a_constant_predicting_epoch_is_not_selected_when_a_better_one_exists(tmp_path):
    family = get_family("mlp")
    rng = np.random.default_rng(0)

    def weak(n, positive):
        targets = (rng.random(n) < positive).astype(int)
        ids = [f"r{i}" for i in range(n)]
        x1 = rng.normal(size=(n, 4)) + 0.7 * targets[:, None]
        return Examples(
            ids=ids, x1=ids, x2=ids, view_kinds={"x1": "text", "x2": "text"},
            features={"x1": x1, "x2": rng.normal(size=(n, 2))}, targets=targets,
        )  # fmt: skip

    # a start that predicts "positive" everywhere, on a 90%-positive validation split: its F1
    # (about 0.95) beats every epoch that learns the weak signal
    train, val = weak(300, 0.5), weak(80, 0.9)
    constant = Examples(**{**train.__dict__, "targets": np.ones(len(train), int)})
    family.fit(constant, val, 2, tmp_path / "start", {"epochs": 3, "hidden": 8}, seed=0)
    params = {"epochs": 6, "patience": 6, "init_from": str(tmp_path / "start"), "lr": 0.01}
    summary = family.fit(train, val, 2, tmp_path / "tuned", params, seed=0)
    start, *epochs = summary["history"]
    assert start["epoch"] == -1 and start["val_positive_rate"] == 1.0
    assert max(e["val_f1"] for e in epochs) < start["val_f1"]  # F1 alone would keep the start
    assert summary["best_epoch"] >= 0
    assert 0 < summary["val_positive_rate"] < 1
    assert summary["val_prediction_rates"][1] == summary["val_positive_rate"]


def test_selection_ranks_every_two_class_epoch_above_a_one_class_one():
    from mmoe.metrics import selection_key

    gold = np.array([1, 1, 1, 1, 0])
    constant = selection_key(gold, np.ones(5, int), 2)
    weaker = selection_key(gold, np.array([1, 1, 0, 0, 0]), 2)
    assert constant[1] > weaker[1] and weaker > constant
    # only one-class epochs: F1 decides
    assert constant > selection_key(gold, np.zeros(5, int), 2)
