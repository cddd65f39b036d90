import pandas as pd
import pytest

from mmoe import tables

REPORTED = {
    "table1_main_results": {"mustard": {"BLIP2": {"f1": 63.28}, "BLIP2+MMoE": {"f1": 65.93}}},
    "table3_fusion_ablation": {"average": {"BLIP-2": 63.9}},
    "table2_partition_ablation": {"rus": {"f1": 78.65}},
}


def _write_run(tmp_path, seed, f1_model, f1_base, dataset="mustard", family="blip"):
    rows = []
    for method, f1 in (("model", f1_model), ("baseline", f1_base), ("average", f1_model - 1)):
        rows.append(
            {"split": "test", "interaction": "all", "method": method, "precision": f1,
             "recall": f1, "f1": f1, "accuracy": f1, "n": 10}
        )  # fmt: skip
    rows.append({**rows[0], "split": "val", "f1": 0.0})
    path = tmp_path / f"{dataset}-{family}-{seed}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return {"dataset": dataset, "family": family, "scheme": "rus", "seed": seed, "path": path}


def test_main_results_mean_std_and_paper_column(tmp_path):
    runs = [_write_run(tmp_path, 0, 60.0, 50.0), _write_run(tmp_path, 1, 64.0, 52.0)]
    runs.append(_write_run(tmp_path, 0, 70.0, 40.0, family="mlp"))
    metrics = tables.load_metrics(runs)
    out = tables.main_results(metrics, REPORTED, {"blip": "BLIP2", "mlp": None}, "rus")
    row = out[(out["family"] == "blip") & (out["method"] == "+MMoE")].iloc[0]
    assert row["f1_mean"] == 62.0 and row["f1_std"] == pytest.approx(2 * 2**0.5)
    assert row["seeds"] == 2 and row["paper_f1"] == "65.93"
    base = out[(out["family"] == "blip") & (out["method"] == "single model")].iloc[0]
    assert base["paper_f1"] == "63.28"
    mlp = out[out["family"] == "mlp"]
    assert set(mlp["paper_f1"]) == {tables.MISSING}  # a dash, never a zero
    assert set(mlp["f1_std"]) == {0.0}  # one seed


def test_fusion_ablation_rows_and_markdown(tmp_path):
    runs = [_write_run(tmp_path, 0, 60.0, 50.0), _write_run(tmp_path, 1, 64.0, 52.0)]
    metrics = tables.load_metrics(runs)
    out = tables.fusion_ablation(metrics, REPORTED, {"blip": "BLIP-2"}, "rus")
    assert out["method"].tolist() == ["model-based", "average", "no fusion (single model)"]
    assert out.set_index("method").loc["average", "paper_f1"] == "63.90"
    assert out.set_index("method").loc["model-based", "paper_f1"] == tables.MISSING
    markdown = tables.to_markdown(out, ["f1"])
    assert "61.00 ± 2.83" in markdown and "| 63.90 " in markdown


def test_fmt_missing_is_a_dash():
    assert tables.fmt(float("nan"), 0.0) == tables.MISSING
    assert tables.fmt(1.234, 0.5) == "1.23 ± 0.50"


def test_rus_agreement_counts_u1_u2_as_u():
    data = pd.DataFrame({"id": list("abcd"), "true_interaction": ["R", "U1", "U2", "S"]})
    typed = pd.DataFrame({"id": list("abcd"), "interaction": ["R", "U", "S", "S"]})
    out = tables.rus_agreement(typed, data)
    assert out["accuracy"] == 75.0 and out["accuracy_U"] == 50.0 and out["accuracy_S"] == 100.0
