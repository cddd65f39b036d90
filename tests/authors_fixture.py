"""Files in the MMoE authors' formats, written from the MUStARD test subset: a stand-in for their
released outputs (which the repository never holds), at the names of the shipped
config/paper-artifacts.yaml manifest, so that the shipped config runs on them unchanged but for
the dataset's path and the files' checksums.

Formats (as the originals, docs/reproduction.md): splits ``{id: row}``; predictions
``{id: {logits: {Yes, No}, gth, pred}}``; partitions ``{id: row}`` per type and split; expert
logits JSON Lines ``{image_id, logits: [no, yes], target}``; the fuser's ``{image_id, logits: {R,
U, AS}}``; the June fuser ``{id: [r, u, s]}`` (with some training rows).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import yaml

from tests.conftest import REPO

SUBSET = REPO / "tests/data/mustard_subset.json"
CONFIG = REPO / "config/paper-artifacts.yaml"
OVERLAY = REPO / "config/mustard-paper.yaml"  # adds the frame descriptions to the manifest


def _split_of(ids: list[str], rows: dict) -> dict[str, str]:
    """FRIENDS is the test split; every fourth other row validation, the rest training."""
    others = [i for i in ids if rows[i]["show"] != "FRIENDS"]
    split = {i: "test" for i in ids if rows[i]["show"] == "FRIENDS"}
    split |= {i: "val" if k % 4 == 0 else "train" for k, i in enumerate(others)}
    return split


def _rus(pred1: int, pred2: int, gold: int) -> str:
    """The authors' typing rule (data_split/mustard_split.py, select_subset_ids)."""
    if pred1 == pred2:
        return "R" if pred1 == gold else "AS"
    return "U"


def write_authors_files(root: Path, seed: int = 0) -> dict[str, str]:
    """Write every file of the shipped manifest under ``root`` (same names); returns name ->
    sha256."""
    config = yaml.safe_load(CONFIG.read_text())
    rows = json.loads(SUBSET.read_text())
    ids = list(rows)
    split = _split_of(ids, rows)
    gold = {i: int(rows[i]["sarcasm"]) for i in ids}
    rng = np.random.default_rng(seed)
    contents: dict[str, object] = {}
    c = "cdfc359/mustard_data"
    for name in ("train", "val", "test"):
        contents[f"{c}/data_raw/mustard_dataset_{name}.json"] = {
            i: rows[i] for i in ids if split[i] == name
        }
    preds = {}
    for view, stem in (("x1", "image_only_pred_cogvlm2"), ("x2", "text_only_pred_qwen2")):
        agree = rng.random(len(ids)) < 0.7  # a labeller right on ~70% of the rows
        yes = rng.uniform(0.05, 0.95, len(ids))
        preds[view] = {
            i: int(gold[i] if a else 1 - gold[i]) for i, a in zip(ids, agree, strict=True)
        }
        contents[f"{c}/data_gen_output/mustard_{stem}.json"] = {
            i: {
                "logits": {"Yes": float(y), "No": float(1 - y)},
                "gth": gold[i],
                "pred": preds[view][i],
            }
            for i, y in zip(ids, yes, strict=True)
        }
    typed = {i: _rus(preds["x1"][i], preds["x2"][i], gold[i]) for i in ids}
    for kind in ("R", "U", "AS"):
        for name in ("train", "val", "test"):
            contents[f"{c}/data_split_output/mustard_{kind}_dataset_{name}_cogvlm2_qwen2.json"] = {
                i: rows[i] for i in ids if split[i] == name and typed[i] == kind
            }
    contents[f"{c}/data_gen_output/mustard_image_description_cogvlm2.json"] = {
        i: f"A frame: two people talk; one says {rows[i]['utterance'][:40]!r}." for i in ids
    }
    test = [i for i in ids if split[i] == "test"]
    for name in config["artifacts"]["files"]:
        if name in contents or not name.endswith(("logits.jsonl", "logits.json")):
            continue
        if name.endswith("rus_logits.jsonl"):
            lines = [
                {
                    "image_id": i,
                    "logits": dict(zip(("R", "U", "AS"), rng.normal(size=3).tolist(), strict=True)),
                }
                for i in test
            ]
        elif name.endswith("test_rus_logits.json"):  # the June fuser: some training rows too
            train = [i for i in ids if split[i] == "train"][:10]
            contents[name] = {i: rng.uniform(0, 3, 3).tolist() for i in test + train}
            continue
        else:
            lines = [
                {"image_id": i, "logits": (rng.normal(size=2) + np.array([0, gold[i]])).tolist(),
                 "target": bool(gold[i])}
                for i in test
            ]  # fmt: skip
        contents[name] = lines
    checksums = {}
    for name, value in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".jsonl"):
            path.write_text("".join(json.dumps(line) + "\n" for line in value))
        else:
            path.write_text(json.dumps(value))
        checksums[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    overlay = yaml.safe_load(OVERLAY.read_text())["artifacts"]["files"]
    missing = (set(config["artifacts"]["files"]) | set(overlay)) - set(checksums)
    assert not missing, f"the fixture writes no file for {sorted(missing)}"
    return checksums


def authors_config(workdir: Path, overlay: bool = False, **overrides) -> Path:
    """The shipped config/paper-artifacts.yaml (with ``overlay``, config/mustard-paper.yaml
    merged over it) on the fixture: the subset's rows, the fixture's checksums and
    ``artifacts_dir``; written to ``workdir/config.yaml``."""
    from snakemake.utils import update_config

    root = workdir / "authors"
    checksums = write_authors_files(root)
    config = yaml.safe_load(CONFIG.read_text())
    if overlay:
        update_config(config, yaml.safe_load(OVERLAY.read_text()))
        for twin in ("mustard_paper_classifier", "mustard_paper_llm"):
            config["datasets"][twin]["path"] = str(SUBSET)
    config["datasets"]["mustard_paper"]["path"] = str(SUBSET)
    config["artifacts"]["files"] = {
        k: v for k, v in checksums.items() if overlay or "description" not in k
    }
    config["artifacts_dir"] = str(root)
    config.update(overrides)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
