"""The doors for files made elsewhere: precomputed unimodal predictions, given splits, imported
logits and the artifacts manifest; every format read, every bad input named (file, row, field)."""

import json

import numpy as np
import pandas as pd
import pytest

from mmoe import external
from mmoe.datasets.given_split import apply_given_split
from mmoe.families.imported import read_logits
from mmoe.labeling.base import ViewInput
from mmoe.labeling.precomputed import PrecomputedBackend
from mmoe.stages.artifacts import fetch_artifact, sha256_of

IDS = ["a", "b", "c", "d"]
YES = [0.9, 0.2, 0.6, 0.1]
NO = [0.1, 0.7, 0.3, 0.85]
DATA = pd.DataFrame({"id": IDS, "split": ["train", "train", "val", "test"], "label": [1, 0, 1, 0]})


def write(path, fmt, records):
    """``records`` (dicts with an ``id``) in format ``fmt``."""
    if fmt == "json":
        path.write_text(
            json.dumps({r["id"]: {k: v for k, v in r.items() if k != "id"} for r in records})
        )
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    elif fmt == "parquet":
        pd.DataFrame(records).to_parquet(path)
    else:
        pd.DataFrame(records).to_csv(path, sep="\t" if fmt == "tsv" else ",", index=False)
    return path


def flat(ids=IDS, yes=YES, no=NO, pred=(1, 0, 1, 0)):
    return [
        {"id": i, "yes": y, "no": n, "pred": p}
        for i, y, n, p in zip(ids, yes, no, pred, strict=True)
    ]


def label(path, **params):
    backend = PrecomputedBackend({"files": {"x1": str(path)}, **params}, seed=0)
    return backend.label(ViewInput("toy", DATA, "x1", "text"))


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "parquet"])
def test_predictions_are_read_in_every_format(tmp_path, fmt):
    path = write(tmp_path / f"p.{fmt}", fmt, flat())
    out = label(path, p_yes="yes", p_no="no", label="pred")
    assert out["id"].tolist() == IDS
    np.testing.assert_allclose(out["p"], np.array(YES) / (np.array(YES) + np.array(NO)))
    assert out["pred"].tolist() == [1, 0, 1, 0]


def test_the_authors_nested_json_is_read_and_the_answer_defaults_to_p(tmp_path):
    path = tmp_path / "authors.json"
    path.write_text(
        json.dumps(
            {i: {"logits": {"Yes": y, "No": n}} for i, y, n in zip(IDS, YES, NO, strict=True)}
        )
    )
    out = label(path, p_yes="logits.Yes", p_no="logits.No")
    assert out["pred"].tolist() == [1, 0, 1, 0]  # P(Yes) / (P(Yes) + P(No)) >= 0.5
    only_yes = label(path, p_yes="logits.Yes")
    np.testing.assert_allclose(only_yes["p"], YES)


def test_the_placeholder_is_read_as_zero_only_when_configured(tmp_path):
    path = write(tmp_path / "p.jsonl", "jsonl", flat(yes=[0.9, -10000, 0.6, 0.1]))
    with pytest.raises(
        external.ExternalFileError,
        match=r"line 2: field 'yes' is -10000.0, outside \[0, 1\] \(a placeholder\?",
    ):
        label(path, p_yes="yes", p_no="no")
    out = label(path, p_yes="yes", p_no="no", placeholder=-10000)
    assert out["p"][1] == 0 and out["placeholder"].tolist() == [False, True, False, False]


@pytest.mark.parametrize(
    ("records", "params", "message"),
    [
        (flat()[:3], {}, r"no row for 1 of the dataset 'toy''s rows: 'd'"),
        (
            [*flat(), {"id": "z", "yes": 0.5, "no": 0.5, "pred": 1}],
            {},
            r"1 id\(s\) not among .*'z'",
        ),
        (flat() + flat()[:1], {}, r"id 'a' appears twice \(line 2 and line 6\)"),
        (flat(yes=[0.9, float("nan"), 0.6, 0.1]), {}, r"line 3: field 'yes' is empty"),
        (flat(yes=[0.9, 1.5, 0.6, 0.1]), {}, r"line 3: field 'yes' is 1.5, outside \[0, 1\]"),
        (
            flat(),
            {"p_yes": "P_yes"},
            r"line 2: no field 'P_yes' \(fields: 'id', 'no', 'pred', 'yes'\)",
        ),
        (
            flat(pred=(1, 0, 2, 0)),
            {"label": "pred"},
            r"line 4: field 'pred' is '2', not a binary label",
        ),
    ],
)
def test_bad_predictions_are_named(tmp_path, records, params, message):
    path = write(tmp_path / "p.csv", "csv", records)
    with pytest.raises(external.ExternalFileError, match=message):
        label(path, **({"p_yes": "yes", "p_no": "no"} | params))


def test_a_duplicate_key_in_a_json_object_is_named(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"a": {"yes": 0.5}, "b": {"yes": 0.5}, "a": {"yes": 0.1}}')
    with pytest.raises(external.ExternalFileError, match="duplicate key 'a'"):
        label(path, p_yes="yes")


FRAME = pd.DataFrame({"id": IDS, "split": "train"})


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_a_given_split_per_file_or_in_one_file(tmp_path, fmt):
    files = {}
    for split, ids in {"train": ["a", "b"], "val": ["c"], "test": ["d"]}.items():
        files[split] = str(
            write(tmp_path / f"{split}.{fmt}", fmt, [{"id": i, "row": 1} for i in ids])
        )
    assert apply_given_split(FRAME, "toy", files)["split"].tolist() == [
        "train",
        "train",
        "val",
        "test",
    ]
    table = write(
        tmp_path / f"all.{fmt}",
        fmt,
        [{"id": i, "split": s} for i, s in zip(IDS, ["train", "dev", "val", "test"], strict=True)],
    )
    assert apply_given_split(FRAME, "toy", str(table))["split"].tolist() == [
        "train",
        "val",
        "val",
        "test",
    ]


def test_a_split_file_that_leaves_a_row_out_or_repeats_one_is_named(tmp_path):
    def files(**ids):
        return {
            s: str(write(tmp_path / f"{s}.json", "json", [{"id": i} for i in v]))
            for s, v in ids.items()
        }

    with pytest.raises(
        external.ExternalFileError,
        match=r"no row for 1 of the dataset 'toy''s rows \(given_split\): 'd'",
    ):
        apply_given_split(FRAME, "toy", files(train=["a", "b"], val=["c"], test=[]))
    with pytest.raises(
        external.ExternalFileError, match=r"id 'c' is in split 'test' and, in .*val.json, in 'val'"
    ):
        apply_given_split(FRAME, "toy", files(train=["a", "b"], val=["c"], test=["c", "d"]))
    with pytest.raises(
        external.ExternalFileError, match=r"1 id\(s\) not among dataset 'toy''s rows: 'q'"
    ):
        apply_given_split(FRAME, "toy", files(train=["a", "b", "q"], val=["c"], test=["d"]))
    bad = write(tmp_path / "all.csv", "csv", [{"id": i, "split": "holdout"} for i in IDS])
    with pytest.raises(external.ExternalFileError, match=r"line 2: split 'holdout' is not one of"):
        apply_given_split(FRAME, "toy", str(bad))


ROWS = pd.DataFrame({"id": IDS, "split": ["train", "val", "test", "test"]})


def logit_lines(ids, logits):
    return [{"image_id": i, "logits": v} for i, v in zip(ids, logits, strict=True)]


def test_logits_are_read_for_the_rows_they_cover(tmp_path):
    path = write(
        tmp_path / "l.jsonl", "jsonl", logit_lines(["d", "c", "a"], [[0, 1], [2, 3], [4, 5]])
    )
    out = read_logits(path, ROWS, {"id": "image_id"}, ["0", "1"])
    assert out["id"].tolist() == ["c", "d"]  # data order; the training row unread
    assert out[["logit_0", "logit_1"]].to_numpy().tolist() == [[2, 3], [0, 1]]
    fuser = logit_lines(["c", "d"], [{"R": 1, "U": 2, "AS": 3}, {"R": 4, "U": 5, "AS": 6}])
    path = write(tmp_path / "f.jsonl", "jsonl", fuser)
    out = read_logits(
        path, ROWS, {"id": "image_id"}, ["R", "U", "S"], {"R": "R", "U": "U", "S": "AS"}
    )
    assert out.filter(like="logit").to_numpy().tolist() == [[1, 2, 3], [4, 5, 6]]
    positions = write(tmp_path / "p.json", "json", [{"id": "c", "v": 0}, {"id": "d", "v": 0}])
    positions.write_text(json.dumps({"c": [1, 2, 3], "d": [4, 5, 6]}))
    out = read_logits(
        positions, ROWS, {"logits": "value"}, ["R", "U", "S"], {"R": 1, "U": 2, "S": 0}
    )
    assert out.filter(like="logit").to_numpy().tolist() == [[2, 3, 1], [5, 6, 4]]


@pytest.mark.parametrize(
    ("ids", "logits", "params", "message"),
    [
        (["c"], [[0, 1]], {}, r"no row for 1 of the test rows: 'd'"),
        (["c", "d", "d"], [[0, 1]] * 3, {}, r"id 'd' appears twice \(line 2 and line 3\)"),
        (["c", "d"], [[0, 1], [0, 1, 2]], {}, r"line 2: 3 logits in field 'logits', expected 2"),
        (["c", "d"], [[0, 1], [0, float("inf")]], {}, r"line 2: logit 1 of field 'logits' is inf"),
        (
            ["c", "d"],
            [[0, 1], {"No": 0, "Yes": 1}],
            {},
            r"line 2: field 'logits' is an object \(No, Yes\)",
        ),
        (["c", "d", "z"], [[0, 1]] * 3, {}, r"1 id\(s\) not among the dataset's rows: 'z'"),
        (["c", "d"], [[0, 1]] * 2, {"logits": "scores"}, r"line 1: no field 'scores'"),
        (["c"], [[0, 1]], {"splits": ["val", "test"]}, r"no row for 1 of the test rows"),
        (["d", "c"], [[0, 1]] * 2, {"splits": ["val"]}, r"no row for 1 of the val rows: 'b'"),
    ],
)
def test_bad_logits_are_named(tmp_path, ids, logits, params, message):
    path = write(tmp_path / "l.jsonl", "jsonl", logit_lines(ids, logits))
    with pytest.raises(external.ExternalFileError, match=message):
        read_logits(path, ROWS, {"id": "image_id", **params}, ["0", "1"])


def test_an_artifact_is_copied_only_with_its_checksum(tmp_path):
    (tmp_path / "dir/abc").mkdir(parents=True)
    source = tmp_path / "dir/abc/file.json"
    source.write_text("{}")
    out = tmp_path / "out/file.json"
    digest = sha256_of(source)
    assert fetch_artifact(
        "abc/file.json", digest, "https://example.org/x", out, tmp_path / "dir"
    ) == str(source)
    assert out.read_text() == "{}"
    with pytest.raises(ValueError, match="does not match the manifest's"):
        fetch_artifact(
            "abc/file.json", "0" * 64, "https://example.org/x", tmp_path / "o2", tmp_path / "dir"
        )
    assert not (tmp_path / "o2").exists()
    with pytest.raises(FileNotFoundError, match="unset artifacts_dir to download it"):
        fetch_artifact(
            "abc/other.json", digest, "https://example.org/x", tmp_path / "o3", tmp_path / "dir"
        )


def test_the_labeling_summary_counts_the_placeholders_per_split(tmp_path):
    from mmoe.labeling.summary import summarise_labels

    path = write(tmp_path / "p.jsonl", "jsonl", flat(yes=[0.9, -10000, 0.6, -10000]))
    out = label(path, p_yes="yes", p_no="no", placeholder=-10000)
    summary = summarise_labels(DATA, {"x1": out}).set_index("split")
    assert summary.loc["train", "placeholders"] == 1 and summary.loc["test", "placeholders"] == 1
    assert summary.loc["all", "placeholders"] == 2


def test_a_logits_file_whose_gold_labels_are_not_the_datasets_is_named(tmp_path):
    rows = ROWS.assign(label=[0, 1, 1, 0])
    lines = [
        {"image_id": "c", "logits": [0, 1], "target": True},
        {"image_id": "d", "logits": [1, 0], "target": 1},
    ]
    path = write(tmp_path / "l.jsonl", "jsonl", lines)
    with pytest.raises(
        external.ExternalFileError,
        match=r"line 2: field 'target' is 1 for id 'd', whose label in the dataset is 0",
    ):
        read_logits(path, rows, {"id": "image_id", "target": "target"}, ["0", "1"])
    assert len(read_logits(path, rows, {"id": "image_id"}, ["0", "1"])) == 2


def test_table_cells_are_read_as_text_and_parsed_where_a_number_is_wanted(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,logits.Yes,no\n001,0.9,0.1\n2.0,0.2,0.8\n3,NA,0.5\n4,,0.5\n")
    records = external.read_records(path)
    assert [r.values["id"] for r in records] == ["001", "2.0", "3", "4"]  # ids as written
    assert external.field(path, records[0], "logits.Yes") == "0.9"  # a dotted header, literal
    assert external.number(path, records[0], "logits.Yes") == 0.9
    with pytest.raises(
        external.ExternalFileError, match=r"line 4: field 'logits.Yes' is 'NA', not a number"
    ):
        external.number(path, records[2], "logits.Yes")
    with pytest.raises(external.ExternalFileError, match=r"line 5: field 'logits.Yes' is empty"):
        external.number(path, records[3], "logits.Yes")


def test_nan_in_a_json_line_is_named(tmp_path):
    path = write(tmp_path / "p.jsonl", "jsonl", flat(yes=[0.9, float("nan"), 0.6, 0.1]))
    with pytest.raises(external.ExternalFileError, match=r"line 2: field 'yes' is nan"):
        label(path, p_yes="yes")


def test_a_duplicate_key_inside_a_json_line_is_named(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "yes": 0.1, "yes": 0.9}\n')
    with pytest.raises(
        external.ExternalFileError, match=r"line 1: not a JSON object .*duplicate key 'yes'"
    ):
        external.read_records(path)


def test_a_given_split_as_a_json_list_or_a_json_object_of_id_to_split(tmp_path):
    listed = tmp_path / "list.json"
    listed.write_text(
        json.dumps(
            [
                {"id": i, "split": s}
                for i, s in zip(IDS, ["train", "train", "val", "test"], strict=True)
            ]
        )
    )
    assert apply_given_split(FRAME, "toy", str(listed))["split"].tolist() == [
        "train",
        "train",
        "val",
        "test",
    ]
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps(dict(zip(IDS, ["test", "train", "valid", "train"], strict=True))))
    assert apply_given_split(FRAME, "toy", str(mapping))["split"].tolist() == [
        "test",
        "train",
        "val",
        "train",
    ]


def test_logits_in_a_parquet_list_column_and_a_bad_classes_mapping(tmp_path):
    path = tmp_path / "l.parquet"
    pd.DataFrame({"id": ["c", "d"], "logits": [[0.1, 0.2], [0.3, 0.4]]}).to_parquet(path)
    out = read_logits(path, ROWS, {}, ["0", "1"])
    assert out.filter(like="logit").to_numpy().tolist() == [[0.1, 0.2], [0.3, 0.4]]
    flipped = read_logits(path, ROWS, {}, ["0", "1"], {0: 1, 1: 0})  # YAML's integer keys
    assert flipped.filter(like="logit").to_numpy().tolist() == [[0.2, 0.1], [0.4, 0.3]]
    for bad in ({"0": 1}, {"0": 1, "1": 1}):
        with pytest.raises(
            ValueError, match=r"`classes` maps .* it needs each of \['0', '1'\] once"
        ):
            read_logits(path, ROWS, {}, ["0", "1"], bad)


def test_a_view_read_from_a_file_by_id(tmp_path):
    from mmoe.datasets.view_files import apply_view_files

    frame = pd.DataFrame({"id": IDS, "x1": "old", "x2": "text"})
    texts = tmp_path / "descriptions.json"
    texts.write_text(json.dumps({i: f"a frame of {i}" for i in reversed(IDS)}))
    out = apply_view_files(frame, "toy", {"x1": str(texts)})
    assert out["x1"].tolist() == [f"a frame of {i}" for i in IDS] and frame["x1"].eq("old").all()
    lines = write(tmp_path / "d.csv", "csv", [{"id": i, "caption": "c"} for i in IDS[:3]])
    with pytest.raises(
        external.ExternalFileError, match=r"no row for 1 of the dataset 'toy''s rows: 'd'"
    ):
        apply_view_files(frame, "toy", {"x1": {"path": str(lines), "field": "caption"}})
    texts.write_text(json.dumps({i: "" if i == "b" else "t" for i in IDS}))
    with pytest.raises(
        external.ExternalFileError, match=r"key 'b': field 'value' is '', not a text"
    ):
        apply_view_files(frame, "toy", {"x1": str(texts)})


def test_mustard_x2_as_the_context_followed_by_the_utterance():
    from mmoe.datasets.mustard import load_mustard
    from tests.conftest import REPO

    subset = REPO / "tests/data/mustard_subset.json"
    plain = load_mustard(subset, "FRIENDS", 0.2, 0)
    joined = load_mustard(subset, "FRIENDS", 0.2, 0, "context_and_utterance")
    first = json.loads(subset.read_text())[plain["id"][0]]
    assert joined["x2"][0] == plain["x2"][0] + f"\n{first['speaker']}: {first['utterance']}"
    assert joined["x1"].equals(plain["x1"]) and joined["split"].equals(plain["split"])
