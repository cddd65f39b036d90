"""Adapters (mmsd2, urfunny, table, mustard with frames), validation, drop mode, downloads."""

import hashlib
import http.server
import json
import pickle
import re
import shutil
import subprocess
import threading
from functools import partial

import pandas as pd
import pytest
import yaml
from PIL import Image

from mmoe.datasets import DataValidationError, read_dataset
from mmoe.datasets.download import fetch
from mmoe.datasets.frames import frames_from_videos, pick
from mmoe.stages import ingest as ingest_stage
from tests.conftest import REPO, require_tools, run_snakemake, tiny_config

IMAGE_TEXT = {"x1": "image", "x2": "text"}
TEXT = {"x1": "text", "x2": "text"}
needs_ffmpeg = pytest.mark.usefixtures("ffmpeg")  # skipped without ffmpeg, failed under CI


def _image(path, shade=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8), (shade, 100, 200)).save(path)
    return path


def _video(path, seconds=3):
    path.parent.mkdir(parents=True, exist_ok=True)
    source = f"testsrc=duration={seconds}:size=64x48:rate=5"
    command = ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", source, str(path)]
    subprocess.run(command, check=True)
    return path


# --- mmsd2 -------------------------------------------------------------------------------------


def _mmsd2(tmp_path):
    root = tmp_path / "mmsd2"
    for split, name in [("train", "train.json"), ("val", "valid.json"), ("test", "test.json")]:
        tweets = [
            {"image_id": 1000 + 10 * len(split) + i, "text": f"{split} tweet {i}", "label": i % 2}
            for i in range(4)
        ]
        for tweet in tweets:
            _image(root / "images" / f"{tweet['image_id']}.jpg", tweet["label"] * 200)
        (root / name).write_text(json.dumps(tweets))
    return root


def test_mmsd2_reads_the_three_splits_with_images(tmp_path):
    root = _mmsd2(tmp_path)
    frame = read_dataset("tw", {"format": "mmsd2", "views": IMAGE_TEXT}, root, seed=0)[0]
    assert frame.groupby("split").size().to_dict() == {"test": 4, "train": 4, "val": 4}
    row = frame.iloc[0]
    assert row["id"] == "1050" and row["x1"] == f"{root}/images/1050.jpg"
    assert row["x2"] == "train tweet 0" and row["source_file"] == "train.json"


def test_mmsd2_names_the_split_file_of_a_bad_row(tmp_path):
    root = _mmsd2(tmp_path)
    tweets = json.loads((root / "test.json").read_text())
    tweets[2]["label"] = "maybe"
    (root / "test.json").write_text(json.dumps(tweets))
    with pytest.raises(DataValidationError, match=r"test.json: id='1042': label 'maybe'"):
        read_dataset("tw", {"format": "mmsd2", "views": IMAGE_TEXT}, root, seed=0)[0]


# --- urfunny -----------------------------------------------------------------------------------


def _urfunny(tmp_path, language=None):
    root = tmp_path / "urfunny"
    root.mkdir()
    folds = {"train": [1, 2, 3, 4], "dev": [5, 6], "test": [7, 8]}
    language = language or {
        i: {"punchline_sentence": f"punch {i}", "context_sentences": [f"c{i}a", f"c{i}b"]}
        for i in range(1, 9)
    }
    labels = {i: i % 2 for i in range(1, 9)}
    for name, data in [
        ("data_folds.pkl", folds),
        ("language_sdk.pkl", language),
        ("humor_label_sdk.pkl", labels),
    ]:
        (root / name).write_bytes(pickle.dumps(data))
    return root


def test_urfunny_reads_punchline_context_and_folds(tmp_path):
    frame = read_dataset("uf", {"format": "urfunny", "views": TEXT}, _urfunny(tmp_path), seed=0)[0]
    assert frame.groupby("split").size().to_dict() == {"test": 2, "train": 4, "val": 2}
    assert frame.iloc[0][["id", "x1", "x2", "label"]].tolist() == ["1", "punch 1", "c1a\nc1b", 1]


def test_urfunny_refuses_pickles_that_build_objects(tmp_path):
    root = _urfunny(tmp_path)
    (root / "humor_label_sdk.pkl").write_bytes(pickle.dumps({1: pd.Timestamp(0)}))
    with pytest.raises(ValueError, match="refusing to load"):
        read_dataset("uf", {"format": "urfunny", "views": TEXT}, root, seed=0)[0]


# --- table -------------------------------------------------------------------------------------

COLUMNS = {"id": "uid", "x1": "picture", "x2": "caption", "label": "funny"}


def _rows(tmp_path, n=12):
    return pd.DataFrame(
        {
            "uid": [f"r{i}" for i in range(n)],
            "picture": [_image(tmp_path / "img" / f"r{i}.png").name for i in range(n)],
            "caption": [f"caption {i}" for i in range(n)],
            "funny": [i % 2 for i in range(n)],
            "fold": ["train", "valid", "test"] * (n // 3),
        }
    )


def _table_cfg(**extra):
    return {"format": "table", "columns": COLUMNS, "views": IMAGE_TEXT, **extra}


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet"])
def test_table_formats_with_a_seeded_stratified_split(tmp_path, suffix):
    rows = _rows(tmp_path)
    path = tmp_path / "img" / f"table.{suffix}"
    {
        "csv": partial(rows.to_csv, index=False),
        "jsonl": partial(rows.to_json, orient="records", lines=True),
        "parquet": partial(rows.to_parquet, index=False),
    }[suffix](path)
    cfg = _table_cfg(splits={"train": 0.5, "val": 0.25, "test": 0.25})
    frame = read_dataset("t", cfg, path, seed=3)[0]
    assert frame["x1"].iloc[0] == f"{tmp_path}/img/r0.png"
    assert frame.groupby("split").size().to_dict() == {"test": 3, "train": 6, "val": 3}
    assert frame.loc[frame["split"] == "train", "label"].sum() == 3
    assert frame["split"].equals(read_dataset("t", cfg, path, seed=3)[0]["split"])


def test_table_split_column_and_aliases(tmp_path):
    path = tmp_path / "img" / "t.csv"
    _rows(tmp_path).to_csv(path, index=False)
    cfg = _table_cfg(columns={**COLUMNS, "split": "fold"})
    frame = read_dataset("t", cfg, path, seed=0)[0]
    assert frame["split"].tolist()[:3] == ["train", "val", "test"]


def test_table_missing_mapped_column(tmp_path):
    path = tmp_path / "img" / "t.csv"
    _rows(tmp_path).drop(columns="funny").to_csv(path, index=False)
    with pytest.raises(ValueError, match="no column\\(s\\) 'funny'"):
        read_dataset("t", _table_cfg(), path, seed=0)[0]


# --- validation errors, each on its own bad file ------------------------------------------------


def _bad_table(tmp_path, change):
    """A CSV with a split column where ``change(rows, path)`` breaks one row; return its path."""
    rows = _rows(tmp_path)
    path = tmp_path / "img" / "bad.csv"
    change(rows, path)
    if not path.exists():
        rows.to_csv(path, index=False)
    return path


def _set(column, row, value):
    def change(rows, path):
        rows[column] = rows[column].astype(object)
        rows.loc[row, column] = value

    return change


def _no_test_rows(rows, path):
    rows["fold"] = rows["fold"].replace("test", "train")


def _not_an_image(rows, path):
    (path.parent / "r4.png").write_text("not a picture")


def _truncated_image(rows, path):
    image = path.parent / "r4.png"
    image.write_bytes(image.read_bytes()[:-12])


def _latin1(rows, path):
    text = rows.to_csv(index=False).replace("caption 4", "caption \xe9").encode("latin-1")
    path.write_bytes(text)


@pytest.mark.parametrize(
    ("change", "message"),  # "..." in a message stands for any text
    [
        (_set("funny", 4, "yes"), "id='r4' (line 6): label 'yes' is not binary"),
        (_set("funny", 4, ""), "id='r4' (line 6): missing label"),
        (_set("caption", 4, "  \t "), "id='r4' (line 6): x2 is empty"),
        (_set("picture", 4, "gone.png"), "id='r4' (line 6): x1 image '...gone.png' does not exist"),
        (_not_an_image, "id='r4' (line 6): x1 image '...r4.png' is not an image"),
        (_truncated_image, "id='r4' (line 6): x1 image '...r4.png' is not a valid image"),
        (_set("uid", 3, "r0"), "id='r0' (line 5): duplicate id 'r0'\n"),
        (
            _set("uid", 5, "r0"),
            "id='r0' (line 7): duplicate id 'r0' (in two splits: 'train' and 'test')",
        ),
        (_no_test_rows, "table: split 'test' is empty"),
        (_set("fold", 4, "holdout"), "id='r4' (line 6): unknown split 'holdout'"),
        (_set("uid", 4, ""), "id='' (line 6): empty id"),
        (_latin1, "id='r4' (line 6): line 6 is not valid UTF-8"),
    ],
)
def test_each_validation_error_names_file_and_row(tmp_path, change, message):
    path = _bad_table(tmp_path, change)
    out = tmp_path / "data.parquet"
    cfg = _table_cfg(columns={**COLUMNS, "split": "fold"})
    with pytest.raises(DataValidationError) as error:
        ingest_stage.ingest(
            dataset="byo", cfg=cfg, source=path, data=out, seed=0, dropped=tmp_path / "dropped.csv"
        )
    text = str(error.value)
    assert text.startswith(f"dataset 'byo': 1 invalid row(s) in {path}:")
    pattern = ".*".join(map(re.escape, message.split("...")))
    assert re.search(pattern, text + "\n"), text
    assert not out.exists() and not (tmp_path / "dropped.csv").exists()


@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.jsonl", "t.parquet", "header.csv"])
def test_an_empty_source_file_names_dataset_and_file(tmp_path, name):
    path = tmp_path / name
    path.write_text("uid,picture,caption,funny\n" if name == "header.csv" else "")
    with pytest.raises(DataValidationError) as error:
        read_dataset("byo", _table_cfg(), path, seed=0)
    assert str(error.value).startswith(f"dataset 'byo': 1 invalid row(s) in {path}:\n  - table:")
    assert "no rows" in str(error.value)


def test_an_empty_mustard_file_names_dataset_and_file(tmp_path):
    path = tmp_path / "sarcasm_data.json"
    path.write_text("")
    with pytest.raises(DataValidationError, match=f"dataset 'm': .* in {path}:\n  - table: "):
        read_dataset("m", {"format": "mustard", "views": TEXT}, path, seed=0)


def test_jsonl_line_that_is_not_json(tmp_path):
    rows = _rows(tmp_path)
    path = tmp_path / "img" / "t.jsonl"
    lines = rows.to_json(orient="records", lines=True).splitlines()
    lines[3] = lines[3][:-5]
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]))
    with pytest.raises(DataValidationError, match=r"id=None \(line 5\): not valid JSON"):
        read_dataset("t", _table_cfg(columns={**COLUMNS, "split": "fold"}), path, seed=0)[0]


def test_drop_mode_writes_a_report_of_every_dropped_row(tmp_path):
    rows = _rows(tmp_path).astype({"funny": object})
    rows.loc[1, "funny"] = "perhaps"
    rows.loc[4, "caption"] = " "
    rows.loc[7, "picture"] = "gone.png"
    path = tmp_path / "img" / "t.csv"
    rows.to_csv(path, index=False)
    cfg = _table_cfg(columns={**COLUMNS, "split": "fold"}, on_invalid="drop")
    out, dropped = tmp_path / "data.parquet", tmp_path / "dropped.csv"
    frame = ingest_stage.ingest(
        dataset="t", cfg=cfg, source=path, data=out, seed=0, dropped=dropped
    )
    report = pd.read_csv(dropped)
    assert report.columns.tolist() == ["id", "line", "reason"]
    assert report["id"].tolist() == ["r1", "r4", "r7"] and report["line"].tolist() == [3, 6, 9]
    assert "not binary" in report["reason"][0] and "x2 is empty" in report["reason"][1]
    assert "gone.png' does not exist" in report["reason"][2]
    assert len(frame) == 9 and pd.read_parquet(out)["id"].tolist() == frame["id"].tolist()


def test_drop_mode_still_fails_when_a_split_empties(tmp_path):
    rows = _rows(tmp_path, n=6)
    rows.loc[[2, 5], "caption"] = ""
    path = tmp_path / "img" / "t.csv"
    rows.to_csv(path, index=False)
    cfg = _table_cfg(columns={**COLUMNS, "split": "fold"}, on_invalid="drop")
    with pytest.raises(DataValidationError, match="split 'test' is empty"):
        read_dataset("t", cfg, path, seed=0)


# --- mustard with frames from video -----------------------------------------------------------


@pytest.mark.parametrize("ci", [{"CI": "true"}, {"MMOE_REQUIRE_SLURM": "1"}, {}])
def test_a_missing_system_tool_fails_under_ci_and_skips_elsewhere(monkeypatch, ci):
    for name in ("CI", "MMOE_REQUIRE_SLURM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ci.items():
        monkeypatch.setenv(name, value)
    outcome = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(outcome, match=r"no-such-tool not installed: run \.ci/install-system\.sh"):
        require_tools("no-such-tool")


def test_pick_middle_or_clamped_index():
    assert [pick(5, "middle"), pick(4, "middle"), pick(3, 0), pick(3, 9), pick(3, -1)] == [
        2,
        2,
        0,
        2,
        2,
    ]


@needs_ffmpeg
def test_extract_frames_keeps_one_frame_per_video(tmp_path):
    videos = tmp_path / "videos"
    _video(videos / "u1.mp4")
    _video(videos / "u2.mp4", seconds=2)
    (videos / "broken.mp4").write_text("not a video")
    skipped = frames_from_videos(videos, tmp_path / "frames")
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["u1.jpg", "u2.jpg"]
    assert len(skipped) == 1 and "broken.mp4" in skipped[0]
    frames_from_videos(videos, tmp_path / "first", frame=0)
    middle, first = (Image.open(tmp_path / d / "u1.jpg") for d in ("frames", "first"))
    assert middle.size == (64, 48) and middle.tobytes() != first.tobytes()


def test_mustard_with_frames_has_an_image_view(tmp_path):
    source = REPO / "tests/data/mustard_subset.json"
    ids = list(json.loads(source.read_text()))
    for key in ids:
        _image(tmp_path / "frames" / f"{key}.jpg")
    cfg = {"format": "mustard", "views": IMAGE_TEXT, "frames_dir": str(tmp_path / "frames")}
    frame = read_dataset("m", cfg, source, seed=0)[0]
    entry = json.loads(source.read_text())[frame["id"][0]]
    assert frame["x1"][0] == f"{tmp_path}/frames/{frame['id'][0]}.jpg"
    assert frame["x2"][0] == entry["utterance"] and entry["context"][-1] in frame["context"][0]


def test_mustard_text_that_is_not_utf8_names_the_row(tmp_path):
    entries = json.loads((REPO / "tests/data/mustard_subset.json").read_text())
    key = next(iter(entries))
    entries[key]["utterance"] = "caf\xe9"
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(entries, ensure_ascii=False).encode("latin-1", "replace"))
    with pytest.raises(DataValidationError, match=f"id='{key}': text is not valid UTF-8"):
        read_dataset("m", {"format": "mustard", "views": TEXT}, path, seed=0)[0]


# --- downloads ---------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path):
    """A loopback HTTP server for ``tmp_path / "www"``; yields its base URL."""
    (tmp_path / "www").mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=tmp_path / "www")
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_download_verifies_the_checksum(tmp_path, served):
    body = (REPO / "tests/data/mustard_subset.json").read_bytes()
    (tmp_path / "www" / "sarcasm_data.json").write_bytes(body)
    url, good = f"{served}/sarcasm_data.json", hashlib.sha256(body).hexdigest()
    with pytest.raises(ValueError, match="does not match the configured"):
        fetch(url, tmp_path / "bad" / "s.json", "0" * 64)
    assert not (tmp_path / "bad" / "s.json").exists()
    assert fetch(url, tmp_path / "good" / "s.json", good.upper()).read_bytes() == body


@needs_ffmpeg
def test_workflow_downloads_extracts_frames_and_ingests(tmp_path, served):
    entries = json.loads((REPO / "tests/data/mustard_subset.json").read_text())
    friends = [k for k, e in entries.items() if e["show"] == "FRIENDS"][:4]
    others = [k for k, e in entries.items() if e["show"] != "FRIENDS"][:8]
    body = json.dumps({k: entries[k] for k in friends + others}).encode()
    (tmp_path / "www" / "sarcasm_data.json").write_bytes(body)
    video = _video(tmp_path / "clip.mp4", seconds=1)
    (tmp_path / "videos").mkdir()
    for key in friends + others:
        shutil.copy(video, tmp_path / "videos" / f"{key}.mp4")
    work = tmp_path / "work"
    work.mkdir()
    config = yaml.safe_load(tiny_config(work).read_text())
    config.pop("multitask")  # its members are replaced by the one dataset below
    config["datasets"] = {
        "m": {
            **config["datasets"]["mustard"],
            "path": "resources/absent.json",
            "url": f"{served}/sarcasm_data.json",
            "sha256": hashlib.sha256(body).hexdigest(),
            "videos_dir": str(tmp_path / "videos"),
            "views": IMAGE_TEXT,
        }
    }
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    run_snakemake(work, "--cores", "2", "results/m/data.parquet")
    frame = pd.read_parquet(work / "results/m/data.parquet")
    assert (work / "resources/m/sarcasm_data.json").read_bytes() == body
    assert frame["x1"].str.startswith("results/m/frames/").all()
    assert pd.read_csv(work / "results/m/dropped.csv").empty
