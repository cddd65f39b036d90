"""Property tests: any edit of the default config is accepted or refused naming a key; any byte
damage to a small CSV ingests with every line accounted for or fails naming a line."""

import copy
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mmoe.config_checks import ConfigError, check_config
from mmoe.datasets import DataValidationError, read_dataset
from mmoe.datasets.delimited import read_rows
from tests.conftest import REPO
from tests.test_bad_input import _cfg, line_accounting

SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
PATH = re.compile(r"^((?:[A-Za-z0-9_-]+|\[\d+\])(?:\.[A-Za-z0-9_-]+|\[\d+\])*): ")
PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z0-9_-]+)")


def _paths(value, prefix=()):
    if prefix:
        yield prefix
    if isinstance(value, dict | list):
        for key, child in value.items() if isinstance(value, dict) else enumerate(value):
            yield from _paths(child, (*prefix, key))


PATHS = list(_paths(DEFAULT))
ODD_VALUES = ["x", "", 3, 0, -1, -0.5, 1.7, 1e9, True, None, [], {}, [1], ["mlp"], {"k": 1}]
EDITS = st.tuples(
    st.sampled_from(["delete", "replace", "unknown key", "empty"]),
    st.sampled_from(PATHS),
    st.sampled_from(ODD_VALUES),
)


def _apply(config, edit):
    kind, path, value = edit
    *parents, key = path
    target = config
    for part in parents:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return  # an earlier edit removed or replaced the parent
    if not isinstance(target, dict | list) or (isinstance(target, list) and key >= len(target)):
        return
    if isinstance(target, dict) and key not in target:
        return
    if kind == "delete":
        del target[key]
    elif kind == "replace":
        target[key] = value
    elif kind == "unknown key" and isinstance(target[key], dict):
        target[key]["zz_typo"] = value
    elif kind == "empty":
        target[key] = type(target[key])() if isinstance(target[key], dict | list) else value


def _resolves(config, message: str) -> bool:
    """The message's key path leads through ``config`` (its last key may be the missing one)."""
    match = PATH.match(message)
    if not match:
        return False
    parts = [int(i) if i else name for i, name in PART.findall(match.group(1))]
    target = config
    for part in parts[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = parts[-1]
    present = isinstance(target, dict) and last in target
    present |= isinstance(target, list) and isinstance(last, int) and last < len(target)
    return present or "missing" in message


@SETTINGS
@given(st.lists(EDITS, min_size=1, max_size=3))
def test_any_config_edit_passes_or_is_refused_naming_a_key(edits):
    config = copy.deepcopy(DEFAULT)
    for edit in edits:
        _apply(config, edit)
    edited = copy.deepcopy(config)
    try:
        check_config(config, SCHEMA)
    except ConfigError as error:
        message = str(error)
        assert _resolves(edited, message), message
        assert "$defs" not in message and "additionalProperties" not in message, message


HEADER = "uid,utterance,context,funny,fold"
SPLITS = ["train", "val", "test"]
CSV = (
    "\n".join(
        [HEADER]
        + [f"r{i},utterance {i},context {i},{i % 2},{SPLITS[i % 3]}" for i in range(9)]
        + ['r9,"a ""quoted"", multi', 'line utterance",context 9,1,train', 'r10,u 10,"c, 10",0,val']
    )
    + "\n"
).encode()
BYTES = st.sampled_from([b'"', b",", b"\n", b"\r", b"\x00", b"\xff", b"\t", b"a", b"1", b"\xe9"])
DAMAGE = st.tuples(
    st.sampled_from(["insert", "delete", "truncate"]),
    st.integers(0, len(CSV) - 1),
    BYTES,
)


def _damage(data: bytes, edits) -> bytes:
    for kind, position, byte in edits:
        position = min(position, len(data))
        if kind == "insert":
            data = data[:position] + byte + data[position:]
        elif kind == "delete":
            data = data[:position] + data[position + 1 :]
        else:
            data = data[:position]
    return data


def _physical_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def _names_lines(message: str) -> bool:
    rows = [line for line in message.splitlines()[1:] if line.startswith("  - ")]
    return bool(rows) and all(
        line.startswith("  - table:") or re.search(r"\(line \d+\): ", line) for line in rows
    )


@pytest.mark.parametrize("mode", ["fail", "drop"])
@SETTINGS
@given(st.lists(DAMAGE, min_size=1, max_size=4))
@example(edits=[("insert", 338, b'"'), ("insert", 325, b"\n"), ("insert", 325, b"\n")])
def test_a_damaged_csv_ingests_every_line_or_fails_naming_one(mode, edits):
    data = _damage(CSV, edits)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_bytes(data)
        try:
            _, rows = read_rows(path, ",")
        except ValueError as error:
            assert str(error).startswith(f"{path}: line 1"), error
            return
        assert line_accounting(path) == _physical_lines(data)
        try:
            kept, report = read_dataset("byo", _cfg(mode), path, seed=0)
        except DataValidationError as error:
            assert _names_lines(str(error)), error
            return
        except ValueError as error:  # the header lost a mapped column
            assert str(error).startswith(f"{path}: no column(s)"), error
            return
        assert len(kept) + len(report) == len(rows.fields)
        assert mode == "drop" or report.empty
        lines = [*kept["source_line"], *report["line"]]
        assert len(set(lines)) == len(lines)
