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
