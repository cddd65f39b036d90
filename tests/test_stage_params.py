"""The params slicing (mmoe.stage_params): each stage's jobs get only the dataset keys it reads."""

from __future__ import annotations

import pytest
import yaml

from mmoe.stage_params import canonical, dataset_key_specs, stage_keys, stage_params
from tests.conftest import REPO


def schema(**keys) -> dict:
    return {"properties": {"datasets": {"additionalProperties": {"properties": keys}}}}


BLOCKS = {"labeling": {"stage": ["label", "summary"], "properties": {
    "backend": {"stage": ["label", "summary"]}, "threshold": {"stage": "summary"}}},
    "captioning": {"stage": "caption", "properties": {"model": {"stage": "caption"}}}}  # fmt: skip
SPECS = dataset_key_specs(
    schema(views={"stage": ["ingest", "embed"]}, gamma={"stage": "fuse"}, **BLOCKS)
)


def test_a_stage_gets_only_its_keys_and_a_block_only_its_own_keys():
    cfg = {"views": {"x1": "text"}, "gamma": 0.5, "labeling": {"threshold": 0.3, "backend": "c"}}
    assert stage_params(SPECS, cfg, "embed") == {"views": {"x1": "text"}}
    assert stage_params(SPECS, cfg, "fuse") == {"gamma": 0.5}
    assert stage_params(SPECS, cfg, "label") == {"labeling": {"backend": "c"}}
    assert stage_params(SPECS, cfg, "summary", "labeling") == {"backend": "c", "threshold": 0.3}
    assert stage_params(SPECS, {}, "fuse", "gamma") is None  # unset: None


def test_reordering_a_mapping_changes_nothing():
    one = {"labeling": {"backend": "c", "threshold": 0.3}, "gamma": 1}
    two = {"gamma": 1, "labeling": {"threshold": 0.3, "backend": "c"}}
    assert repr(stage_params(SPECS, one, "summary")) == repr(stage_params(SPECS, two, "summary"))
    assert list(canonical({"b": [{"d": 1, "c": 2}], "a": 0})) == ["a", "b"]


def test_a_key_the_stage_does_not_read_is_refused():
    assert stage_keys(SPECS, "fuse") == ["gamma"]
    with pytest.raises(ValueError, match="dataset key 'gamma' is not read by stage 'embed'"):
        stage_keys(SPECS, "embed", "gamma")


def test_a_key_without_a_stage_is_refused_by_its_dotted_name():
    bad = schema(gamma={}, labeling={"stage": "label", "properties": {"backend": {}}},
                 captioning={"stage": "caption", "properties": {}})  # fmt: skip
    with pytest.raises(ValueError, match=r"my schema: .*\['gamma', 'labeling.backend'\]"):
        dataset_key_specs(bad, "my schema")


def test_every_key_of_the_shipped_schema_names_its_stages():
    shipped = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    specs = dataset_key_specs(shipped)
    assert "gamma" in stage_keys(specs, "fusion") and "gamma" in stage_keys(specs, "partition")
    assert "gamma" not in stage_keys(specs, "training")
