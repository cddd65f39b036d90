"""Bad input of every kind gets a named error or is accounted for in dropped.csv: broken source
files, config typos, data a labeller cannot fit, damaged intermediates, a killed job's leftovers."""

import copy
import json
import re
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from mmoe import io
from mmoe.config_checks import ConfigError, check_config
from mmoe.datasets import DataValidationError
from mmoe.datasets.delimited import read_rows
from mmoe.labeling import ViewInput, make_backend
from mmoe.stages import ingest as ingest_stage
from mmoe.stages import label as label_stage
from mmoe.stages import partition as partition_stage
from mmoe.stages.rows import IntermediateError, load_views
from tests.conftest import REPO, run_snakemake, tiny_config

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
TEXT = {"x1": "text", "x2": "text"}
HEADER = "uid,utterance,context,funny,fold"
SPLITS = ["train", "train", "val", "test"]


# --- source files: every line in the data or in dropped.csv -------------------------------------


def _csv(tmp_path, n=16, edit=None, end="\n"):
    """A CSV of ``n`` rows (line i + 2 holds row i); ``edit(lines)`` may break its lines."""
    lines = [HEADER] + [f"r{i},utterance {i},context {i},{i % 2},{SPLITS[i % 4]}" for i in range(n)]
    if edit:
        edit(lines)
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + end)
    return path


def _cfg(mode="fail"):
    columns = {"id": "uid", "x1": "utterance", "x2": "context", "label": "funny", "split": "fold"}
    return {"format": "table", "columns": columns, "views": TEXT, "on_invalid": mode}


def _ingest(tmp_path, path, mode):
    out, dropped = tmp_path / "data.parquet", tmp_path / "dropped.csv"
    frame = ingest_stage.ingest(
        dataset="byo", cfg=_cfg(mode), source=path, data=out, seed=0, dropped=dropped
    )
    return frame, pd.read_csv(dropped, keep_default_na=False)


def _unclosed_quote(lines):
    lines[6] = lines[6].replace("utterance 5", '"utterance 5')  # row r5 on line 7
    lines[9] = lines[9].replace("context 8", '"context, 8"')  # quoted, on line 10


def test_an_unclosed_quote_drops_each_line_it_swallows_by_name(tmp_path):
    frame, report = _ingest(tmp_path, _csv(tmp_path, edit=_unclosed_quote), "drop")
    assert report["id"].tolist() == ["r5", "r6", "r7", "r8"]
    assert report["line"].tolist() == [7, 8, 9, 10]
    assert report["reason"].str.startswith("broken quoting in lines 7-10").all()
    assert len(frame) + len(report) == 16 and "r9" in frame["id"].tolist()


def test_an_unclosed_quote_fails_naming_its_lines(tmp_path):
    with pytest.raises(DataValidationError, match=r"id='r5' \(line 7\): broken quoting in lines"):
        _ingest(tmp_path, _csv(tmp_path, edit=_unclosed_quote), "fail")


def _cut(lines):
    lines[-1] = lines[-1][: lines[-1].index(",context")]


def test_a_file_cut_off_mid_row_is_named(tmp_path):
    path = _csv(tmp_path, edit=_cut, end="")
    message = r"id='r15' \(line 17\): the file ends mid-row \(2 of 5 fields\): is it cut off\?"
    with pytest.raises(DataValidationError, match=message):
        _ingest(tmp_path, path, "fail")
    frame, report = _ingest(tmp_path, path, "drop")
    assert report["line"].tolist() == [17] and "ends mid-row" in report["reason"][0]
    assert len(frame) == 15


def test_a_file_cut_inside_a_quoted_field_is_named(tmp_path):
    def cut(lines):
        lines[-1] = lines[-1].replace("context 15", '"context')

    message = r"id='r15' \(line 17\): broken quoting in line 17: the file ends inside a quoted"
    with pytest.raises(DataValidationError, match=message):
        _ingest(tmp_path, _csv(tmp_path, edit=cut, end=""), "fail")


def _extra_field(lines):
    lines[3] += ",surplus"


def test_a_row_with_an_extra_field_is_a_defect(tmp_path):
    path = _csv(tmp_path, edit=_extra_field)
    message = r"id='r2' \(line 4\): 6 fields, the header has 5: extra field\(s\)"
    with pytest.raises(DataValidationError, match=message):
        _ingest(tmp_path, path, "fail")
    frame, report = _ingest(tmp_path, path, "drop")
    assert report["id"].tolist() == ["r2"] and len(frame) == 15


def test_a_row_with_a_missing_field_is_a_defect(tmp_path):
    def short(lines):
        lines[3] = lines[3].rsplit(",", 1)[0]

    with pytest.raises(DataValidationError, match=r"\(line 4\): 4 fields, the header has 5"):
        _ingest(tmp_path, _csv(tmp_path, edit=short), "fail")


def test_a_byte_order_mark_and_windows_line_ends_are_read(tmp_path):
    path = _csv(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    frame, report = _ingest(tmp_path, path, "fail")
    assert len(frame) == 16 and report.empty
    assert frame["source_line"].tolist() == list(range(2, 18))


def test_a_split_alias_is_renamed_and_logged(tmp_path, capsys):
    def dev(lines):
        lines[3] = lines[3].replace(",val", ",dev")

    frame, _ = _ingest(tmp_path, _csv(tmp_path, edit=dev), "fail")
    assert frame.loc[frame["id"] == "r2", "split"].item() == "val"
    assert "split names renamed: 'dev' -> 'val' (1 rows)" in capsys.readouterr().out


# --- config: refused before any job, naming the key ----------------------------------------------


def _edit(config, path, value=None, delete=False):
    config = copy.deepcopy(config)
    *parents, key = path
    target = config
    for part in parents:
        target = target[part]
    if delete:
        del target[key]
    else:
        target[key] = value
    return config


def _refusal(config) -> str:
    try:
        check_config(copy.deepcopy(config), SCHEMA)
    except ConfigError as error:
        return str(error)
    return ""


CONFIG_CASES = [
    (
        ("sedes",),
        [0, 1],
        "sedes: unknown key ('sedes' was unexpected); allowed: 'artifacts', 'artifacts_dir', "
        "'datasets',",
    ),
    (("main_shceme",), "five", "main_shceme: unknown key ('main_shceme' was unexpected)"),
    (
        ("datasets", "mustard", "families", 0),
        "mlpp",
        "datasets.mustard.families[0]: 'mlpp' is not a configured family; known: mlp, encoder-lora",
    ),
    (("seeds", 0), -1, "seeds[0]: -1 is less than the minimum of 0"),
    (("families", "encoder-lora", "seeds"), [-2], "families.encoder-lora.seeds[0]: -2 is less"),
    (
        ("datasets", "synthetic", "splits", "val"),
        0.3,
        "datasets.synthetic.splits: split fractions sum to 1.1 (train 0.6 + val 0.3 + test 0.2),"
        " not 1",
    ),
    (
        ("datasets", "synthetic", "mixture", "R"),
        0.6,
        "datasets.synthetic.mixture: mixture weights sum to 1.2 (R 0.6 + U1 0.2 + U2 0.2 + S 0.2)"
        ", not 1",
    ),
    (("datasets", "synthetic", "mixture", "X"), 0.0, "datasets.synthetic.mixture.X: 'X' is not"),
    (("main_scheme",), "soft", "main_scheme: 'soft' is not among schemes (rus, rus_balanced,"),
    (
        ("families", "encoder-lora", "schemes"),
        ["five"],
        "families.encoder-lora.schemes: ['five'] must include the main scheme 'rus'",
    ),
    (
        ("multitask", "pooled", "datasets", 1),
        "synthetc",
        "multitask.pooled.datasets[1]: 'synthetc' is not a configured dataset; known: mustard, "
        "synthetic",
    ),
    (
        ("multitask", "pooled", "families", 0),
        "encoder-lora",
        "multitask.pooled.datasets[1]: dataset 'synthetic' does not run the group's family "
        "encoder-lora",
    ),
    (("multitask", "pooled", "families", 0), "mlpp", "multitask.pooled.families[0]: 'mlpp' is"),
    (("families", "mlp", "params", "epoch"), 3, "families.mlp.params.epoch: unknown key"),
    (("datasets", "mustard", "gamma"), 3, "datasets.mustard.gamma: 3 is greater than the maximum"),
    (("seeds",), "0", "seeds: '0' is not of type 'array'"),
    (("fusion", "method"), "vote", "fusion.method: 'vote' is not one of 'validation', 'model',"),
]


@pytest.mark.parametrize(("path", "value", "message"), CONFIG_CASES)
def test_a_bad_config_is_refused_naming_its_key(path, value, message):
    assert _refusal(_edit(DEFAULT, path, value)).startswith(message)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("datasets", "mustard", "views"), "datasets.mustard.views: required key is missing"),
        (("datasets", "synthetic", "n"), "datasets.synthetic.n: required for a synthetic"),
        (("datasets", "mustard", "path"), ""),  # the url is fetched instead
        (("families", "encoder-lora"), "datasets.mustard.families[1]: 'encoder-lora' is not a"),
    ],
)
def test_a_missing_key_is_refused_naming_it(path, message):
    refusal = _refusal(_edit(DEFAULT, path, delete=True))
    assert refusal.startswith(message) and bool(refusal) == bool(message)


def test_schema_defaults_are_filled_in():
    config = _edit(DEFAULT, ("experts",), delete=True)
    check_config(config, SCHEMA)
    assert config["experts"] == {"shared_start": True, "type_aware_selection": True}
    assert config["datasets"]["mustard"]["on_invalid"] == "fail"


@pytest.mark.parametrize(("path", "value", "message"), [CONFIG_CASES[i] for i in (0, 2, 3, 5)])
def test_snakemake_refuses_a_bad_config_naming_the_key_without_the_schema(
    tmp_path, path, value, message
):
    config = yaml.safe_load(tiny_config(tmp_path).read_text())
    config["families"]["encoder-lora"] = DEFAULT["families"]["encoder-lora"]
    if path[0] == "datasets" and path[1] in config["datasets"]:
        config["datasets"][path[1]]["families"] = ["mlp", "encoder-lora"]
    edited = _edit(config, path, value)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(edited, sort_keys=False))
    result = run_snakemake(tmp_path, "-n", "all", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and f"\n{message.split(' (')[0]}" in output, output
    assert "$schema" not in output and "additionalProperties" not in output


# --- data a labeller cannot fit ----------------------------------------------------------------


def _view(labels, splits):
    n = len(labels)
    data = pd.DataFrame(
        {"id": [f"i{i}" for i in range(n)], "split": splits, "x1": "a", "x2": "b", "label": labels}
    )
    features = np.random.default_rng(0).normal(size=(n, 3))
    return ViewInput("demo", data, "x1", "text", features)


def test_one_class_in_the_training_labels_is_named():
    view = _view([0] * 12, ["train"] * 8 + ["val", "val", "test", "test"])
    backend = make_backend("classifier", {"folds": 3}, 0)
    message = (
        "dataset 'demo' view x1, split 'train': all 8 labels are 0; the classifier labeller "
        "needs both classes"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        backend.label(view)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"folds": 5, "C": 1.0}, "labeling.params.folds=5 needs at least 5 training rows of each"),
        ({"folds": 5}, "labeling.params.folds=5 needs at least 5 training rows of each"),
        (
            {"folds": 3, "tuning": "nested"},
            "labeling.params.folds=3 with C chosen by nested cross-validation needs",
        ),
    ],
)
def test_fewer_training_rows_than_folds_are_named(params, message):
    view = _view([0, 1] * 4 + [0, 1], ["train"] * 8 + ["val", "test"])
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        make_backend("classifier", params, 0).label(view)
    text = str(error.value)
    assert text.startswith("dataset 'demo' view x1, split 'train'")
    assert "has 4 of class 0, 4 of class 1; lower labeling.params.folds" in text


# --- intermediates checked where they are read ---------------------------------------------


@pytest.fixture
def dataset(tmp_path):
    """data.parquet (40 rows), 384-wide features per view and a text encoder's config.json."""
    n = 40
    data = pd.DataFrame(
        {
            "id": [f"i{i}" for i in range(n)],
            "split": (["train"] * 6 + ["val", "test"]) * 5,
            "x1": "a",
            "x2": "b",
            "label": [i % 2 for i in range(n)],
        }
    )
    data.to_parquet(tmp_path / "data.parquet")
    rng = np.random.default_rng(0)
    for view in ("x1", "x2"):
        np.save(tmp_path / f"{view}.npy", rng.normal(size=(n, 384)).astype(np.float32))
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "config.json").write_text(json.dumps({"hidden_size": 384}))
    return tmp_path


def _label(root, view="x1"):
    out = root / f"unimodal_{view}.parquet"
    labeling = {
        "backend": "classifier", "params": {"folds": 3, "C": 1.0}, "decision": "answer",
        "positive_rate_bound": 0.2,
    }  # fmt: skip
    label_stage.label_unimodal(
        dataset="demo",
        data=root / "data.parquet",
        features=root / f"{view}.npy",
        view=view,
        kind="text",
        labeling=labeling,
        seed=0,
        labels=out,
        encoder=str(root / "encoder"),
    )
    return out


def test_a_narrowed_feature_file_fails_naming_both_files(dataset):
    np.save(dataset / "x1.npy", np.load(dataset / "x1.npy")[:, :200])
    message = (
        f"{dataset}/x1.npy does not match {dataset}/data.parquet: 200 feature columns, the "
        "view's features have 384"
    )
    with pytest.raises(IntermediateError, match=re.escape(message)):
        _label(dataset)
    assert not (dataset / "unimodal_x1.parquet").exists()
    features = {v: dataset / f"{v}.npy" for v in ("x1", "x2")}
    with pytest.raises(IntermediateError, match=re.escape(message)):
        encoders = dict.fromkeys(features, str(dataset / "encoder"))
        load_views(dataset / "data.parquet", features, TEXT, encoders=encoders)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda a: a[:30], "30 feature rows for 40 data rows"),
        (lambda a: np.where(np.arange(40)[:, None] == 3, np.nan, a), "1 feature row(s) hold NaN"),
        (lambda a: a[:, 0], "a 1-D float32 array, not a 2-D array of numbers"),
    ],
)
def test_a_damaged_feature_file_fails_naming_both_files(dataset, damage, problem):
    np.save(dataset / "x2.npy", damage(np.load(dataset / "x2.npy")))
    with pytest.raises(IntermediateError, match=re.escape(problem)) as error:
        _label(dataset, "x2")
    assert str(error.value).startswith(f"{dataset}/x2.npy does not match {dataset}/data.parquet")


def test_a_truncated_npy_fails_naming_the_file(dataset):
    path = dataset / "x1.npy"
    path.write_bytes(path.read_bytes()[:5000])
    message = f"{path} does not match {dataset}/data.parquet: not a readable .npy file"
    with pytest.raises(IntermediateError, match=re.escape(message)):
        _label(dataset)


def _unimodal(root):
    return {v: _label(root, v) for v in ("x1", "x2")}


def test_a_half_rows_unimodal_file_fails_the_summary_and_leaves_nothing(dataset):
    unimodal = _unimodal(dataset)
    half = pd.read_parquet(unimodal["x2"]).iloc[::2]
    half.to_parquet(unimodal["x2"])
    out = dataset / "summary.csv"
    message = f"{unimodal['x2']} does not match {dataset}/data.parquet: 20 rows for 40 data rows"
    with pytest.raises(IntermediateError, match=re.escape(message)):
        label_stage.labeling_summary(
            dataset="demo",
            data=dataset / "data.parquet",
            **unimodal,
            labeling={"max_unparsed_rate": 0.05},
            summary=out,
        )
    assert not out.exists()
    with pytest.raises(IntermediateError, match=re.escape(message)):
        partition_stage.partition_interactions(
            dataset="demo",
            data=dataset / "data.parquet",
            **unimodal,
            gamma=0.5,
            confidence_filter=0,
            schemes=["rus"],
            partitions=[dataset / "rus"],
            seed=0,
            typed=dataset / "typed.parquet",
            counts=dataset / "counts.csv",
        )
    assert not (dataset / "typed.parquet").exists() and not (dataset / "rus").exists()


def test_a_reordered_unimodal_file_fails_naming_the_first_row(dataset):
    unimodal = _unimodal(dataset)
    frame = pd.read_parquet(unimodal["x1"])
    frame.iloc[::-1].to_parquet(unimodal["x1"])
    with pytest.raises(IntermediateError, match="ids differ from row 0 on \\('i39', data has"):
        label_stage.labeling_summary(
            dataset="demo",
            data=dataset / "data.parquet",
            **unimodal,
            labeling={"max_unparsed_rate": 0.05},
            summary=dataset / "s.csv",
        )


# --- no leftovers after a killed job ------------------------------------------------------------

KILLED_WRITER = """
import sys, time
from mmoe import io
with io.atomic_path(sys.argv[1]) as tmp:
    tmp.mkdir()
    print("writing", flush=True)
    time.sleep(60)
"""


def test_a_killed_jobs_temporary_folder_is_removed_by_the_next_run(tmp_path):
    target = tmp_path / "models" / "seed0"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline() == "writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    leftovers = list(target.parent.glob(".seed0.*.tmp"))
    assert len(leftovers) == 1  # what a SIGKILL leaves behind
    other = target.parent / ".seed0.parquet.abcd1234.tmp"  # another output's: kept
    other.mkdir()
    with io.atomic_path(target) as tmp:
        tmp.mkdir()
    assert sorted(p.name for p in target.parent.iterdir()) == [other.name, "seed0"]


# --- the source reader's line accounting -------------------------------------------------------


def test_every_line_of_a_csv_is_a_row_a_continuation_or_blank(tmp_path):
    def mixed(lines):
        _unclosed_quote(lines)
        lines[12] = lines[12].replace("context 11", '"context\n11"')
        lines.insert(14, "")

    path = _csv(tmp_path, edit=mixed)
    assert line_accounting(path) == len(path.read_text().split("\n")) - 1


def line_accounting(path) -> int:
    """Lines the reader accounts for: the header's, blank ones and each row's."""
    _, rows = read_rows(path, ",")
    spans = [1 + sum(str(v).count("\n") for v in values) for values in rows.fields]
    return rows.header_lines + rows.blank + sum(spans)
