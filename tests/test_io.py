import contextlib
from pathlib import Path

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


class Killed(BaseException):
    """A kill: unlike an exception, nothing after it runs (no restore, no clean-up)."""


@pytest.mark.parametrize("kill_at", range(5))
def test_a_kill_at_any_step_of_a_directory_swap_leaves_old_or_new(tmp_path, monkeypatch, kill_at):
    target = tmp_path / "model"
    with io.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "old.txt").write_text("old")
    steps = []

    def step(function):
        def killable(*args, **kwargs):
            if len(steps) == kill_at:
                raise Killed
            steps.append(function.__name__)
            return function(*args, **kwargs)

        return killable

    for name in ("replace", "rename", "rmdir", "unlink"):
        monkeypatch.setattr(io.os, name, step(getattr(io.os, name)))
    monkeypatch.setattr(io.shutil, "rmtree", step(io.shutil.rmtree))
    with contextlib.suppress(Killed), io.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new.txt").write_text("new")
        steps.clear()
    monkeypatch.undo()
    assert [p.name for p in target.iterdir()] in (["old.txt"], ["new.txt"])


def test_without_an_atomic_swap_a_failed_rename_puts_the_old_directory_back(tmp_path, monkeypatch):
    target = tmp_path / "model"
    with io.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "old.txt").write_text("old")
    replace = io.os.replace

    def second_rename_fails(src, dst):
        if Path(dst) == target and Path(src).name == target.name:  # new in: fails
            raise OSError("disk gone")
        replace(src, dst)

    monkeypatch.setattr(io, "_exchange", lambda a, b: False)
    monkeypatch.setattr(io.os, "replace", second_rename_fails)
    with pytest.raises(OSError, match="disk gone"), io.atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new.txt").write_text("new")
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert [p.name for p in target.iterdir()] == ["old.txt"]
