import numpy as np
import pandas as pd
import pytest

from mmoe import io


def test_failed_write_leaves_old_file_and_no_temporaries(tmp_path):
    target = tmp_path / "out.parquet"
    io.write_parquet(pd.DataFrame({"a": [1]}), target)
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert pd.read_parquet(target)["a"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_directory_outputs_are_replaced_whole(tmp_path):
    target = tmp_path / "model"
    with io.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "old.txt").write_text("old")
    with io.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]


def test_round_trips(tmp_path):
    io.write_json({"b": 1, "a": [1, 2]}, tmp_path / "x.json")
    assert (tmp_path / "x.json").read_text().startswith('{\n  "a"')
    io.write_npy(np.arange(3), tmp_path / "x.npy")
    assert np.load(tmp_path / "x.npy").tolist() == [0, 1, 2]
    io.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "sub" / "x.csv")
    assert (tmp_path / "sub" / "x.csv").read_text() == "a\n1\n"
