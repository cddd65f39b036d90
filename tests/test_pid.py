"""Tests for the dataset-level PID estimator (thesis chapter 3, Table 3.1)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mmoe.decomposition import KEYS, codes_pid, default_k, discretise, joint_from_samples, pid

AND_OR_R = 1.5 - 0.75 * np.log2(3)  # I(X1; Y) for y = x1 AND x2 with uniform bits: 0.311 bits


def bitwise(op) -> np.ndarray:
    """Joint of two uniform bits and y = op(x1, x2)."""
    p = np.zeros((2, 2, 2))
    for x1 in (0, 1):
        for x2 in (0, 1):
            p[x1, x2, op(x1, x2)] += 0.25
    return p


def random_joint(rng, shape, alpha=1.0, zero_frac=0.0) -> np.ndarray:
    """Dirichlet joint with a fraction of cells set to zero."""
    p = rng.dirichlet(alpha * np.ones(int(np.prod(shape)))).reshape(shape)
    p[rng.random(shape) < zero_frac] = 0.0
    return p / p.sum()


def mutual_info(pxy: np.ndarray) -> float:
    """I(X; Y) in bits of a 2-D joint."""
    outer = pxy.sum(1, keepdims=True) * pxy.sum(0, keepdims=True)
    nz = pxy > 0
    return float((pxy[nz] * np.log2(pxy[nz] / outer[nz])).sum())


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (lambda a, b: a | b, {"R": AND_OR_R, "U1": 0.0, "U2": 0.0, "S": 0.5}),
        (lambda a, b: a & b, {"R": AND_OR_R, "U1": 0.0, "U2": 0.0, "S": 0.5}),
        (lambda a, b: a ^ b, {"R": 0.0, "U1": 0.0, "U2": 0.0, "S": 1.0}),
        (lambda a, b: a, {"R": 0.0, "U1": 1.0, "U2": 0.0, "S": 0.0}),
    ],
    ids=["OR", "AND", "XOR", "copy"],
)
def test_table_3_1(op, expected):
    out = pid(bitwise(op))
    for key, value in expected.items():
        assert out[key] == pytest.approx(value, abs=1e-3)


def test_pure_redundancy():
    p = np.zeros((3, 3, 3))
    p[[0, 1, 2], [0, 1, 2], [0, 1, 2]] = 1 / 3  # x1 = x2 = y, uniform over 3 values
    out = pid(p)
    assert out["R"] == pytest.approx(np.log2(3), abs=1e-6)
    assert max(out["U1"], out["U2"], out["S"]) < 1e-6


@pytest.mark.parametrize(
    ("shape", "zero_frac", "seed"),
    [
        ((3, 4, 2), 0.0, 0),
        ((5, 5, 3), 0.3, 1),
        ((8, 6, 2), 0.5, 2),
        ((10, 10, 4), 0.2, 3),
        ((6, 11, 2), 0.3, 27),  # once hung: mu * n_var never reached the final gap exactly
        ((5, 3, 11), 0.0, 5),
    ],
)
def test_identities_on_random_joints(shape, zero_frac, seed):
    p = random_joint(np.random.default_rng(seed), shape, alpha=0.5, zero_frac=zero_frac)
    out = pid(p)
    assert out["I_x1"] == pytest.approx(mutual_info(p.sum(1)), abs=1e-9)
    assert out["I_x2"] == pytest.approx(mutual_info(p.sum(0)), abs=1e-9)
    assert out["I_total"] == pytest.approx(mutual_info(p.reshape(-1, shape[2])), abs=1e-9)
    assert out["R"] + out["U1"] == pytest.approx(out["I_x1"], abs=1e-6)
    assert out["R"] + out["U2"] == pytest.approx(out["I_x2"], abs=1e-6)
    assert sum(out[k] for k in KEYS) == pytest.approx(out["I_total"], abs=1e-6)
    assert all(out[k] >= 0.0 for k in KEYS)


@pytest.mark.parametrize("empty_label", [False, True])
def test_matches_cvxpy_reference(empty_label):
    cp = pytest.importorskip("cvxpy")
    p = random_joint(np.random.default_rng(4), (6, 5, 3), alpha=0.3, zero_frac=0.2)
    if empty_label:
        p[:, :, 1] = 0.0
        p /= p.sum()
    qs = [cp.Variable(p.shape[:2], nonneg=True) for _ in range(p.shape[2])]
    q12 = sum(qs) / p.shape[2]
    cons = [cp.sum(q, 1) == p[:, :, k].sum(1) for k, q in enumerate(qs)]
    cons += [cp.sum(q, 0) == p[:, :, k].sum(0) for k, q in enumerate(qs)]
    prob = cp.Problem(cp.Minimize(sum(cp.sum(cp.rel_entr(q, q12)) for q in qs)), cons)
    prob.solve()  # optimum = log|Y| - max H_q(Y | X1, X2), in nats
    i_min = entropy_bits(p.sum((0, 1))) + prob.value / np.log(2) - np.log2(p.shape[2])
    assert pid(p)["S"] == pytest.approx(mutual_info(p.reshape(-1, 3)) - i_min, abs=1e-4)


def entropy_bits(p: np.ndarray) -> float:
    """Shannon entropy in bits."""
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def test_invariant_to_relabelling_and_swaps_views():
    rng = np.random.default_rng(5)
    p = random_joint(rng, (6, 4, 3), alpha=0.5, zero_frac=0.2)
    base = pid(p)
    permuted = pid(p[rng.permutation(6)][:, rng.permutation(4)][:, :, rng.permutation(3)])
    swapped = pid(p.transpose(1, 0, 2))
    for key in KEYS:
        assert permuted[key] == pytest.approx(base[key], abs=1e-6)
    assert swapped["U1"] == pytest.approx(base["U2"], abs=1e-6)
    assert swapped["U2"] == pytest.approx(base["U1"], abs=1e-6)
    assert swapped["R"] == pytest.approx(base["R"], abs=1e-6)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.full((4, 2), 0.125), "3-D"),
        (np.full((2, 2, 2), 0.2), "sum to 1"),
        (np.array([[[0.5, 0.75], [0.0, 0.0]], [[0.0, 0.0], [0.0, -0.25]]]), "non-negative"),
        (np.full((2, 2, 2), np.nan), "finite"),
        (np.zeros((0, 2, 2)), "empty"),
    ],
)
def test_pid_rejects_invalid_joints(bad, match):
    with pytest.raises(ValueError, match=match):
        pid(bad)


def test_joint_from_samples_counts():
    p = joint_from_samples(np.array([0, 0, 1, 2]), np.array([1, 1, 0, 0]), np.array([0, 0, 1, 1]))
    assert p.shape == (3, 2, 2)
    assert p[0, 1, 0] == 0.5 and p[1, 0, 1] == 0.25 and p[2, 0, 1] == 0.25
    with pytest.raises(ValueError, match="equal length"):
        joint_from_samples(np.array([0, 1]), np.array([0]), np.array([0, 1]))
    with pytest.raises(ValueError, match="non-negative"):
        joint_from_samples(np.array([0, -1]), np.array([0, 0]), np.array([0, 1]))
    with pytest.raises(ValueError, match="integer"):
        joint_from_samples(np.array([0.5, 1]), np.array([0, 0]), np.array([0, 1]))


def test_default_k_rule():
    assert [default_k(n) for n in (1, 8, 1000, 10**6)] == [2, 2, 10, 20]
    with pytest.raises(ValueError):
        default_k(0)


def blobs(codes: np.ndarray, rng, dim: int = 3, spread: float = 0.2) -> np.ndarray:
    """Continuous features: one well-separated Gaussian blob per integer code."""
    centres = 5.0 * rng.standard_normal((int(codes.max()) + 1, dim))
    return centres[codes] + spread * rng.standard_normal((codes.size, dim))


def test_discretise_recovers_blobs_and_is_seeded():
    rng = np.random.default_rng(6)
    codes = rng.integers(0, 4, 400)
    features = blobs(codes, rng)
    ids = discretise(features, 4, seed=0)
    assert np.array_equal(ids, discretise(features, 4, seed=0))
    assert joint_from_samples(codes, ids, np.zeros_like(codes)).astype(bool).sum() == 4
    with pytest.raises(ValueError, match="k must be"):
        discretise(features, 0, seed=0)


def views_pid(features1, features2, labels, k: int) -> dict:
    """PID of the k-means-discretised views with ``labels``, as the pid stage computes it."""
    return codes_pid(discretise(features1, k, seed=0), discretise(features2, k, seed=0), labels)


def test_views_pid_synergy_dominates_for_xor():
    rng = np.random.default_rng(7)
    x1, x2 = rng.integers(0, 2, 2000), rng.integers(0, 2, 2000)
    out = views_pid(blobs(x1, rng), blobs(x2, rng), x1 ^ x2, k=2)
    assert max(KEYS, key=out.get) == "S" and out["S"] > 0.9
    assert out["n"] == 2000


def test_views_pid_redundancy_dominates_for_shared_label():
    rng = np.random.default_rng(8)
    y = rng.integers(0, 3, 1500)
    out = views_pid(blobs(y, rng), blobs(y, rng), y, k=default_k(1500))
    assert max(KEYS, key=out.get) == "R" and out["R"] > 1.0


def test_predicted_labels_of_any_kind_are_decomposed():
    rng = np.random.default_rng(9)
    x1, x2 = rng.integers(0, 2, 600), rng.integers(0, 2, 600)
    f1, f2 = blobs(x1, rng), blobs(x2, rng)
    copy_x1 = views_pid(f1, f2, np.where(x1 == 1, "pos", "neg"), k=2)
    assert max(KEYS, key=copy_x1.get) == "U1" and copy_x1["U1"] > 0.9
    with pytest.raises(ValueError, match="equal length"):
        codes_pid(discretise(f1, 2, seed=0), discretise(f2[:-1], 2, seed=0), x1)


def test_stage_pid_per_type_and_per_model_predictions(tmp_path):
    from mmoe.stages.pid import dataset_pid, discretise_view

    rng = np.random.default_rng(0)
    n = 120
    x1, x2 = rng.integers(0, 2, n), rng.integers(0, 2, n)
    ids = [f"r{i}" for i in range(n)]
    pd.DataFrame({"id": ids, "label": x1 ^ x2}).to_parquet(tmp_path / "data.parquet")
    codes = {}
    for view, bits in (("x1", x1), ("x2", x2)):
        np.save(tmp_path / f"{view}.npy", blobs(bits, rng))
        codes[view] = tmp_path / f"{view}_codes.npy"
        discretise_view(
            data=tmp_path / "data.parquet", view=view, kind="text", seed=0,
            features=tmp_path / f"{view}.npy", codes=codes[view],
        )  # fmt: skip
    kinds = np.array(list("RUS"))[np.arange(n) % 3]
    pd.DataFrame({"id": ids, "interaction": kinds}).to_parquet(tmp_path / "typed.parquet")
    fused = pd.DataFrame({"id": ids[:40], "baseline": x1[:40], "mmoe": (x1 ^ x2)[:40]})
    fused.to_parquet(tmp_path / "fused.parquet")
    out = dataset_pid(
        data=tmp_path / "data.parquet", **codes, typed=tmp_path / "typed.parquet",
        families=["mlp"], predictions=[tmp_path / "fused.parquet"], pid=tmp_path / "pid.json",
    )  # fmt: skip
    assert list(out) == ["all rows", "R rows", "U rows", "S rows",
                         "mlp single model predictions", "mlp +MMoE predictions"]  # fmt: skip
    assert out["all rows"]["S"] > 0.5 and out["R rows"]["n"] == 40
    assert out["mlp single model predictions"]["U1"] > 0.5  # predicts x1: unique to view 1
    assert out["mlp +MMoE predictions"]["S"] > 0.5 and out["mlp +MMoE predictions"]["n"] == 40
    assert json.loads((tmp_path / "pid.json").read_text()) == out


def test_stage_codes_are_the_discretised_features_and_checked_against_the_data(tmp_path):
    """The codes job gives :func:`discretise` of the whole view with :func:`default_k`
    clusters; codes that do not fit the data table are an error naming both files."""
    from mmoe.stages.pid import dataset_pid, discretise_view

    rng = np.random.default_rng(1)
    n = 90
    bits = rng.integers(0, 2, n)
    pd.DataFrame({"id": [f"r{i}" for i in range(n)], "label": bits}).to_parquet(
        tmp_path / "data.parquet"
    )
    np.save(tmp_path / "x1.npy", blobs(bits, rng))
    common = {"data": tmp_path / "data.parquet", "view": "x1", "kind": "text", "seed": 3}
    codes = discretise_view(**common, features=tmp_path / "x1.npy", codes=tmp_path / "c.npy")
    assert np.array_equal(codes, discretise(np.load(tmp_path / "x1.npy"), default_k(n), 3))
    assert np.array_equal(np.load(tmp_path / "c.npy"), codes)
    np.save(tmp_path / "short.npy", codes[:-1])
    pd.DataFrame({"id": ["r0"], "interaction": ["R"]}).to_parquet(tmp_path / "typed.parquet")
    with pytest.raises(ValueError, match=r"short\.npy does not match .*data\.parquet.*89 rows"):
        dataset_pid(
            data=tmp_path / "data.parquet", x1=tmp_path / "c.npy", x2=tmp_path / "short.npy",
            typed=tmp_path / "typed.parquet", families=[], predictions=[],
            pid=tmp_path / "pid.json",
        )  # fmt: skip
