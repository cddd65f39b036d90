import numpy as np
import pandas as pd
import pytest

from mmoe import interactions


def test_classify_rus_every_branch():
    y1 = np.array([1, 0, 1, 0, 1, 0, -1, -1])
    y2 = np.array([1, 0, 0, 1, 1, 0, 1, 0])
    y = np.array([1, 0, 1, 1, 0, 1, 1, 1])
    kind, view = interactions.classify_rus(y1, y2, y)
    # R R U(x1) U(x2) S S U(x2: unparsed x1 is never right) S
    assert kind.tolist() == ["R", "R", "U", "U", "S", "S", "U", "S"]
    assert view.tolist() == ["", "", "x1", "x2", "", "", "x2", ""]


def test_classify_five_every_branch():
    p1 = np.array([0.9, 0.2, 0.9, 0.1, 0.1, 0.7, 0.3])
    p2 = np.array([0.8, 0.3, 0.1, 0.9, 0.2, 0.1, 0.9])
    y = np.array([1, 1, 1, 1, 1, 0, 0])
    five = interactions.classify_five(p1, p2, y, gamma=0.5)
    assert five.tolist() == [
        "agreement_redundancy",  # |0.9-0.8|*2 = 0.2 <= 0.5, mean right
        "agreement_synergy",  # agree, mean 0.25 on y
        "disagreement_unique_x1",  # 1.6 > 0.5, x1 right
        "disagreement_unique_x2",
        "agreement_synergy",  # 0.2 <= 0.5 and both wrong
        "disagreement_unique_x2",  # y=0: x2 puts 0.9 on y
        "disagreement_unique_x1",  # y=0: x1 puts 0.7 on y
    ]
    assert interactions.classify_five(np.array([0.1]), np.array([0.9]), np.array([1]), 0.5)[0] == (
        "disagreement_unique_x2"
    )
    both_wrong = interactions.classify_five(np.array([0.45]), np.array([0.0]), np.array([1]), 0.5)
    assert both_wrong.tolist() == ["disagreement_synergy"]


def test_classify_five_rejects_missing_probabilities():
    with pytest.raises(ValueError, match="NaN"):
        interactions.classify_five(np.array([np.nan]), np.array([0.5]), np.array([1]), 0.5)


def _typed(n=60, seed=0):
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["R", "U", "S"], size=n, p=[0.5, 0.3, 0.2])
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "label": rng.integers(0, 2, n),
            "interaction": kinds,
            "soft_interaction": rng.choice(["R", "U", "S"], size=n),
        }
    )


def test_schemes_sizes_and_members():
    train = _typed()
    rus = interactions.scheme_assignment(train, "rus", 0)
    balanced = interactions.scheme_assignment(train, "rus_balanced", 0)
    random = interactions.scheme_assignment(train, "random", 0)
    counts = rus["interaction"].value_counts()
    assert set(balanced["interaction"].value_counts()) == {counts.min()}
    # balanced keeps each row's own type
    own = rus.set_index("id")["interaction"]
    assert (balanced.set_index("id")["interaction"] == own.loc[balanced["id"]]).all()
    # random keeps the sizes but not the members
    assert random["interaction"].value_counts().equals(counts)
    assert (random["interaction"] != rus["interaction"]).any()
    soft = interactions.scheme_assignment(train, "soft", 0)
    assert soft["interaction"].tolist() == train["soft_interaction"].tolist()
    with pytest.raises(ValueError, match="unknown partition scheme"):
        interactions.scheme_assignment(train, "nope", 0)


def test_schemes_are_deterministic():
    train = _typed()
    a = interactions.scheme_assignment(train, "rus_balanced", 3)
    b = interactions.scheme_assignment(train, "rus_balanced", 3)
    assert a.equals(b)


def test_partition_round_trip(tmp_path):
    rows = interactions.scheme_assignment(_typed(), "rus", 0)
    interactions.write_partition(rows, tmp_path / "rus")
    assert sorted(p.name for p in (tmp_path / "rus").iterdir()) == [
        "interaction=R",
        "interaction=S",
        "interaction=U",
    ]
    back = interactions.read_partition(tmp_path / "rus")
    expected = rows.sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(back[expected.columns], expected, check_dtype=False)
    only_s = interactions.read_partition(tmp_path / "rus", "S")
    assert set(only_s["interaction"]) == {"S"}
    assert len(only_s) == (rows["interaction"] == "S").sum()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_label_interactions_checks_row_alignment():
    data = pd.DataFrame({"id": ["a", "b"], "split": ["train", "test"], "label": [1, 0]})
    good = pd.DataFrame({"id": ["a", "b"], "p": [0.9, 0.2], "pred": [1, 0]})
    typed = interactions.label_interactions(data, {"x1": good, "x2": good}, 0.5)
    assert typed["interaction"].tolist() == ["R", "R"]
    swapped = good.iloc[::-1].reset_index(drop=True)
    with pytest.raises(ValueError, match="do not match"):
        interactions.label_interactions(data, {"x1": good, "x2": swapped}, 0.5)


def test_five_type_expert_set_partitions_the_five_types():
    train = _typed().assign(
        five_type=lambda t: np.resize(np.array(interactions.FIVE_TYPES, object), len(t))
    )
    five = interactions.scheme_assignment(train, "five", 0)
    assert five["interaction"].tolist() == train["five_type"].tolist()
    assert interactions.scheme_experts("five") == interactions.FIVE_TYPES
    balanced = interactions.scheme_assignment(train, "five_balanced", 0)
    assert set(balanced["interaction"].value_counts()) == {len(train) // 5}
    shuffled = interactions.scheme_assignment(train, "five_random", 0)
    assert sorted(shuffled["interaction"]) == sorted(train["five_type"])
    with pytest.raises(ValueError, match="needs both views' probabilities"):
        interactions.scheme_assignment(train.assign(five_type=interactions.UNSCORED), "five", 0)


def test_proxy_types_every_branch():
    rows = pd.DataFrame(
        {
            "y1": [1, 0, 1, 1, 0, -1, -1],
            "y2": [1, 0, 1, 0, 1, 1, 1],
            "p1": [0.9, 0.2, 0.9, 0.9, 0.1, 0.5, 0.5],
            "p2": [0.8, 0.1, 0.8, 0.1, 0.9, 0.9, 0.9],
        }
    )
    proxy = np.array([1, 0, 0, 1, 1, 1, 0])  # the single model's predictions
    rus = interactions.proxy_types(rows, proxy, "rus", gamma=0.5)
    # agree with proxy: R; agree against it: S; disagree: U (either view right); unparsed x1
    assert rus.tolist() == ["R", "R", "S", "U", "U", "U", "S"]
    assert rus.tolist() == interactions.classify_rus(rows["y1"], rows["y2"], proxy)[0].tolist()
    five = interactions.proxy_types(rows.iloc[:5], proxy[:5], "five", gamma=0.5)
    assert five.tolist() == [
        "agreement_redundancy",
        "agreement_redundancy",
        "agreement_synergy",
        "disagreement_unique_x1",
        "disagreement_unique_x2",
    ]
    assert interactions.expert_set_of(["S", "R", "U"]) == "rus"
    with pytest.raises(ValueError, match="no expert set"):
        interactions.expert_set_of(["R", "U"])


def test_a_balanced_scheme_keeps_an_empty_type_empty_and_balances_the_others():
    train = _typed()
    train = train[train["interaction"] != "U"]
    balanced = interactions.scheme_assignment(train, "rus_balanced", 0)
    sizes = balanced["interaction"].value_counts()
    assert set(sizes.index) == {"R", "S"}
    assert sizes["R"] == sizes["S"] == (train["interaction"] == "S").sum()


def test_the_confidence_filter_every_branch():
    p1 = np.array([0.9, 0.54, 0.9, 0.45, np.nan, 0.56, 0.5])
    p2 = np.array([0.1, 0.9, 0.46, 0.9, 0.2, np.nan, 0.5])
    # |2p - 1| <= 0.1 in either view leaves the row out; a view without p does not
    keep = interactions.confident(p1, p2, 0.1)
    assert keep.tolist() == [True, False, False, False, True, True, False]
    assert interactions.confident(p1, p2, 0.0).all()  # 0: off
    assert interactions.confident(p1, p2, 0.7).tolist() == [True] + [False] * 6


def test_a_scheme_without_rows_is_a_clear_error_and_an_empty_type_a_warning(capsys):
    from mmoe.stages.partition import PartitionError, check_assignments

    typed = _typed().assign(split="train")
    no_u = typed[typed["interaction"] != "U"]
    check_assignments({"rus": {"train": no_u}}, typed, "demo")
    assert "dataset 'demo', scheme rus: no train row of type(s) ['U']" in capsys.readouterr().err
    with pytest.raises(PartitionError, match=r"dataset 'demo', scheme rus_balanced: no val row"):
        check_assignments({"rus_balanced": {"train": no_u, "val": no_u[:0]}}, typed, "demo")
