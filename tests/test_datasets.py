import json

import numpy as np
import pandas as pd
import pytest

from mmoe.datasets import DataValidationError, read_dataset
from mmoe.datasets.synthetic import synthetic_dataset
from mmoe.datasets.validate import validate_rows
from mmoe.stages import ingest as ingest_stage
from tests.conftest import REPO

MUSTARD_CFG = {"format": "mustard", "views": {"x1": "text", "x2": "text"}, "val_fraction": 0.25}


def _entry(utterance="Oh great.", sarcasm=True, show="BBT"):
    return {
        "utterance": utterance,
        "speaker": "SHELDON",
        "context": ["Hello.", "How are you?"],
        "context_speakers": ["PENNY", "LEONARD"],
        "show": show,
        "sarcasm": sarcasm,
    }


def _mustard_file(tmp_path, entries, text=None):
    path = tmp_path / "sarcasm_data.json"
    path.write_text(text if text is not None else json.dumps(entries))
    return path


def _good_entries():
    entries = {f"t{i}": _entry(sarcasm=i % 2 == 0) for i in range(8)}
    entries.update({f"f{i}": _entry(sarcasm=i % 2 == 0, show="FRIENDS") for i in range(4)})
    return entries


def test_mustard_views_and_speaker_independent_split(tmp_path):
    frame = read_dataset("m", MUSTARD_CFG, _mustard_file(tmp_path, _good_entries()), seed=0)[0]
    assert set(frame.loc[frame["show"] == "FRIENDS", "split"]) == {"test"}
    assert set(frame.loc[frame["show"] != "FRIENDS", "split"]) == {"train", "val"}
    assert (frame["split"] == "val").sum() == 2
    assert frame.loc[0, "x1"] == "Oh great."
    assert frame.loc[0, "x2"] == "PENNY: Hello.\nLEONARD: How are you?"
    assert frame["label"].dtype.kind == "i"


def test_mustard_split_is_seeded():
    cfg = {**MUSTARD_CFG, "val_fraction": 0.2}
    source = REPO / "tests/data/mustard_subset.json"
    a, b = read_dataset("m", cfg, source, 1)[0], read_dataset("m", cfg, source, 1)[0]
    assert a["split"].equals(b["split"])
    assert not a["split"].equals(read_dataset("m", cfg, source, 2)[0]["split"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"t3": _entry(sarcasm=None)}, "id='t3': missing label"),
        ({"t3": _entry(sarcasm="yes")}, "id='t3': label 'yes' is not binary"),
        ({"t3": _entry(utterance="   ")}, "id='t3': x1 is empty"),
        ({"t3": {**_entry(), "context": "not a list"}}, "id='t3': context is not a list"),
    ],
)
def test_mustard_bad_rows_name_file_and_row(tmp_path, change, message):
    path = _mustard_file(tmp_path, {**_good_entries(), **change})
    out = tmp_path / "data.parquet"
    with pytest.raises(DataValidationError) as error:
        ingest_stage.ingest(dataset="m", cfg=MUSTARD_CFG, source=path, data=out, seed=0)
    assert str(path) in str(error.value) and message in str(error.value)
    assert "dataset 'm'" in str(error.value)
    assert not out.exists()


def test_mustard_duplicate_ids_are_an_error(tmp_path):
    body = json.dumps(_good_entries())[:-1] + ', "t1": ' + json.dumps(_entry()) + "}"
    with pytest.raises(ValueError, match="duplicate id\\(s\\) 't1'"):
        read_dataset("m", MUSTARD_CFG, _mustard_file(tmp_path, None, text=body), seed=0)[0]


def _frame(**columns):
    base = {
        "id": ["a", "b", "c"],
        "split": ["train", "val", "test"],
        "x1": ["one", "two", "three"],
        "x2": ["uno", "dos", "tres"],
        "label": [0, 1, 1],
    }
    return pd.DataFrame({**base, **columns})


TEXT = {"x1": "text", "x2": "text"}


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"id": ["a", "b", "a"]}, "id='a': duplicate id 'a'"),
        ({"split": ["train", "val", "dev"]}, "unknown split 'dev'"),
        ({"split": ["train", "train", "test"]}, "split 'val' is empty"),
        ({"label": [0, 2, 1]}, "id='b': label 2 is not binary"),
        ({"label": [0, None, 1]}, "id='b': missing label"),
        ({"x2": ["uno", "", "tres"]}, "id='b': x2 is empty"),
        ({"id": ["a", "", "c"]}, "id='': empty id"),
        ({"id": ["a", "b", "  "]}, "id='  ': empty id"),
    ],
)
def test_each_validation_error(columns, message):
    with pytest.raises(DataValidationError, match=message):
        validate_rows(_frame(**columns), "d", "source.csv", TEXT)


def test_missing_image_is_named(tmp_path):
    image = tmp_path / "a.png"
    frame = _frame(x1=[str(image), str(image), str(tmp_path / "gone.png")])
    with pytest.raises(DataValidationError, match="id='a'") as error:
        validate_rows(frame, "d", "source.csv", {"x1": "image", "x2": "text"})
    assert "gone.png" in str(error.value) and "does not exist" in str(error.value)


def test_error_lists_at_most_twenty_rows():
    n = 30
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "split": ["train", "val", "test"] * 10,
            "x1": ["t"] * n,
            "x2": [""] * n,
            "label": [1] * n,
        }
    )
    with pytest.raises(DataValidationError) as error:
        validate_rows(frame, "d", "s.csv", TEXT)
    assert "30 invalid row(s)" in str(error.value) and "... and 10 more" in str(error.value)
    assert len(error.value.problems) == 30


def test_synthetic_is_deterministic_and_balanced(tmp_path):
    mixture = {"R": 0.4, "U1": 0.2, "U2": 0.2, "S": 0.2}
    splits = {"train": 0.6, "val": 0.2, "test": 0.2}
    a = synthetic_dataset(tmp_path / "a", 200, mixture, splits, seed=5)
    b = synthetic_dataset(tmp_path / "b", 200, mixture, splits, seed=5)
    assert a.drop(columns="x1").equals(b.drop(columns="x1"))
    assert (tmp_path / "a" / "syn00000.png").read_bytes() == (
        tmp_path / "b" / "syn00000.png"
    ).read_bytes()
    shares = a["true_interaction"].value_counts(normalize=True)
    assert abs(shares["R"] - 0.4) < 0.1
    assert set(a["split"]) == {"train", "val", "test"}
    frame = validate_rows(a, "syn", tmp_path / "a", {"x1": "image", "x2": "text"})[0]
    assert np.isin(frame["label"], [0, 1]).all()


def test_synthetic_rejects_unknown_types(tmp_path):
    with pytest.raises(ValueError, match="unknown interaction type"):
        synthetic_dataset(tmp_path, 10, {"Q": 1.0}, {"train": 0.6, "val": 0.2, "test": 0.2}, 0)


def test_synthetic_too_small_to_stratify_is_a_clear_error(tmp_path):
    mixture = {"R": 0.4, "U1": 0.2, "U2": 0.2, "S": 0.2}
    splits = {"train": 0.6, "val": 0.2, "test": 0.2}
    with pytest.raises(ValueError, match=r"synthetic data with n=40 .* too few to split") as error:
        synthetic_dataset(tmp_path, 40, mixture, splits, seed=0)
    assert "rows per stratum" in str(error.value)
