import pandas as pd
import pytest

from mmoe import io
from mmoe.reporting import (
    agreement,
    datasets,
    experts,
    inputs,
    paper,
    render,
    results,
    typing_chain,
)
from mmoe.stages import tables as stages_tables

REPORTED = {
    "table1_main_results": {"mustard": {"BLIP-2": {"f1": 63.28}, "BLIP-2+MMoE": {"f1": 65.93}}},
    "table3_fusion_ablation": {"average": {"BLIP-2": 63.9}},
    "table2_partition_ablation": {"rus": {"f1": 78.65}},
}


def _write_run(tmp_path, seed, f1_model, f1_base, dataset="mustard", family="blip"):
    rows = []
    for method, f1 in (("mmoe", f1_model), ("baseline", f1_base), ("average", f1_model - 1)):
        rows.append(
            {"split": "test", "interaction": "all", "method": method, "precision": f1,
             "recall": f1, "f1": f1, "accuracy": f1, "n": 10}
        )  # fmt: skip
    rows.append({**rows[0], "split": "val", "f1": 0.0})
    path = tmp_path / f"{dataset}-{family}-{seed}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return {"dataset": dataset, "family": family, "scheme": "rus", "seed": seed, "path": path}


def _selected(*runs):
    """The +MMoE router of each (family, seed, router) run, on mustard."""
    return pd.DataFrame(
        [{"dataset": "mustard", "family": f, "seed": s, "router": r} for f, s, r in runs]
    )


def test_main_results_mean_std_and_paper_column(tmp_path):
    runs = [_write_run(tmp_path, 0, 60.0, 50.0), _write_run(tmp_path, 1, 64.0, 52.0)]
    runs.append(_write_run(tmp_path, 0, 70.0, 40.0, family="mlp"))
    metrics = inputs.load_metrics(runs)
    selected = _selected(("blip", 0, "proxy"), ("blip", 1, "model_hard"), ("mlp", 0, "proxy"))
    out = results.main_results(metrics, selected, REPORTED, {"blip": "BLIP-2", "mlp": None}, "rus")
    row = out[(out["family"] == "blip") & (out["method"] == "+MMoE")].iloc[0]
    assert row["f1_mean"] == 62.0 and row["f1_std"] == pytest.approx(2 * 2**0.5)
    assert row["seeds"] == 2 and row["paper_f1"] == "65.93"
    assert row["routers"] == "proxy ×1, model_hard ×1"
    base = out[(out["family"] == "blip") & (out["method"] == "single model")].iloc[0]
    assert base["paper_f1"] == "63.28" and pd.isna(base["routers"])
    mlp = out[out["family"] == "mlp"]
    assert set(mlp["paper_f1"]) == {render.MISSING}  # a dash, never a zero
    assert mlp["f1_std"].isna().all()  # one seed: undefined


def test_fusion_ablation_rows_and_markdown(tmp_path):
    runs = [_write_run(tmp_path, 0, 60.0, 50.0), _write_run(tmp_path, 1, 64.0, 52.0)]
    metrics = inputs.load_metrics(runs)
    out = results.fusion_ablation(metrics, REPORTED, {"blip": "BLIP-2"}, "rus")
    selected = results.FUSION_ROWS["mmoe"]
    assert out["method"].tolist() == [selected, "average", "no fusion (single model)"]
    assert out.set_index("method").loc["average", "paper_f1"] == "63.90"
    assert out.set_index("method").loc[selected, "paper_f1"] == render.MISSING
    markdown = render.to_markdown(out, ["f1"])
    assert "61.00 ± 2.83" in markdown and "| 63.90 " in markdown


def test_strategies_a_run_could_not_compute_are_marked_not_available(tmp_path):
    """Logits without validation rows: no cascade (its threshold is chosen on them), and the
    router that the config fixed is named so."""
    metrics = inputs.load_metrics([_write_run(tmp_path, 0, 60.0, 50.0)])
    selected = _selected(("blip", 0, "model")).assign(fixed=True, not_available=[["cascaded"]])
    out = results.fusion_ablation(metrics, REPORTED, {"blip": "BLIP-2"}, "rus", selected)
    cascade = out.set_index("method").loc["cascaded"]
    assert not cascade["available"] and cascade["seeds"] == 0 and pd.isna(cascade["f1_mean"])
    assert out.loc[out["method"] != "cascaded", "available"].all()
    table = results.main_results(metrics, selected, REPORTED, {"blip": "BLIP-2"}, "rus")
    assert table["routers"].dropna().tolist() == ["model (fixed) ×1"]


def test_a_single_seed_std_is_undefined_a_dash_not_zero(tmp_path):
    metrics = inputs.load_metrics([_write_run(tmp_path, 0, 60.0, 50.0)])
    out = results.main_results(metrics, _selected(("blip", 0, "model")), {}, {}, "rus")
    assert out["f1_std"].isna().all() and set(out["seeds"]) == {1}
    render.write_table(out, ["precision", "recall", "f1"], tmp_path / "t")
    assert f"60.00 ± {render.MISSING}" in (tmp_path / "t.md").read_text()
    assert r"60.00 $\pm$ --" in (tmp_path / "t.tex").read_text()
    assert pd.read_csv(tmp_path / "t.csv")["f1_std"].isna().all()  # empty cells


def test_fmt_missing_is_a_dash():
    assert render.fmt(float("nan"), 0.0) == render.MISSING
    assert render.fmt(1.234, 0.5) == "1.23 ± 0.50"


def test_rus_agreement_counts_u1_u2_as_u_per_predicted_type():
    data = pd.DataFrame({"id": list("abcd"), "true_interaction": ["R", "U1", "U2", "S"]})
    typed = pd.DataFrame({"id": list("abcd"), "interaction": ["R", "U", "S", "S"]})
    out = agreement.rus_agreement(typed, data)
    assert out["accuracy"] == 75.0 and out["accuracy_U"] == 100.0 and out["accuracy_S"] == 50.0
    assert out["chance"] == 50.0 and out["n"] == 4


TYPED = pd.DataFrame({"id": ["1", "2", "3", "4"], "interaction": ["R", "U", "S", "S"]})


def test_categorisation_joins_human_annotations_and_paper_column(tmp_path):
    human = tmp_path / "human.csv"
    pd.DataFrame({"id": [1, 2, 3], "type": ["R", "S", "S"]}).to_csv(human, index=False)
    paper = {"rq3_categorization_vs_human": {"f1_overall": 51.26, "accuracy": {"R": 64.3}}}
    out = agreement.categorisation({}, {"mustard": (TYPED, human)}, paper).iloc[0]
    assert out["reference"] == "human" and out["n"] == 3
    assert out["accuracy"] == pytest.approx(200 / 3) and out["accuracy_U"] == 0.0
    assert out["paper_macro_f1"] == "51.26" and out["paper_accuracy_R"] == "64.30"
    assert out["paper_accuracy_U"] == render.MISSING


def test_human_annotations_of_unknown_ids_are_an_error_naming_file_and_ids(tmp_path):
    human = tmp_path / "human.csv"
    pd.DataFrame({"id": [1, 9, 3, 8], "type": ["R", "S", "S", "U"]}).to_csv(human, index=False)
    with pytest.raises(ValueError) as error:
        agreement.categorisation({}, {"mustard": (TYPED, human)}, {})
    message = str(error.value)
    assert f"dataset 'mustard': 2 invalid row(s) in {human}" in message
    assert "id='9' (line 3): id is not a datapoint" in message and "id='8' (line 5)" in message


def _scores(records, scheme="rus", dataset="mustard", family="mlp"):
    """A metrics frame (as load_metrics returns) from (seed, interaction, method, f1) tuples."""
    return pd.DataFrame(
        [
            {"dataset": dataset, "family": family, "scheme": scheme, "seed": seed,
             "split": "test", "interaction": kind, "method": method, "precision": f1,
             "recall": f1, "f1": f1, "accuracy": f1, "n": 5}
            for seed, kind, method, f1 in records
        ]
    )  # fmt: skip


def test_a_dataset_reproducing_the_papers_gets_its_paper_columns(tmp_path):
    datasets = ("mustard_llm", "other")
    metrics = inputs.load_metrics(
        [_write_run(tmp_path, 0, 60.0, 50.0, dataset=d) for d in datasets]
    )
    selected = pd.DataFrame({"dataset": datasets, "family": "blip", "seed": 0, "router": "proxy"})
    reported = {**REPORTED, paper.PAPER_NAMES: {"mustard_llm": "mustard"}}
    out = results.main_results(metrics, selected, reported, {"blip": "BLIP-2"}, "rus")
    paper_f1 = out.set_index(["dataset", "method"])["paper_f1"]
    assert paper_f1[("mustard_llm", "+MMoE")] == "65.93"
    assert paper_f1[("other", "+MMoE")] == render.MISSING
    no_counts = pd.DataFrame(columns=["scheme", "split", "interaction", "n"])
    ablation = results.partition_ablation(metrics, dict.fromkeys(datasets, no_counts), reported)
    assert ablation["paper_f1"].tolist() == ["78.65", render.MISSING]  # MUStARD-only: by name


def test_per_interaction_pairs_baseline_with_matching_expert_and_paper():
    scores = (("baseline", 50.0), ("expert_{k}", 60.0), ("expert_R", 99.0))
    records = [(s, k, m.format(k=k), v + s) for s in (0, 2) for k in "US" for m, v in scores]
    paper = {"rq1_per_interaction": {"albef_experts": {"S": {"baseline": 32.0, "expert": 45.7}}}}
    out = experts.per_interaction(_scores(records), paper, {"mlp": "ALBEF"}, "rus")
    out = out.set_index(["interaction", "model"])
    assert len(out) == 4
    assert out.loc[("U", "expert"), "accuracy_mean"] == 61.0  # expert_U, not expert_R
    assert out.loc[("U", "expert"), "accuracy_std"] == pytest.approx(2**0.5)
    assert out.loc[("S", "expert"), "paper_accuracy"] == "45.70"
    assert out.loc[("U", "single model"), "paper_accuracy"] == render.MISSING


def test_partition_ablation_counts_and_paper():
    records = [(0, "all", "mmoe", 70.0)]
    metrics = pd.concat([_scores(records, scheme=s) for s in ("rus", "random", "five")])
    five = ["agreement_redundancy", "agreement_synergy", "disagreement_unique_x1",
            "disagreement_unique_x2", "disagreement_synergy"]  # fmt: skip
    counts = pd.DataFrame(
        {"scheme": ["rus"] * 3 + ["random"] * 3 + ["five"] * 5, "split": ["train_partition"] * 11,
         "interaction": list("RUS") * 2 + five, "n": [5, 7, 9, 1, 2, 3, 4, 1, 2, 3, 6]}
    )  # fmt: skip
    paper = {"table2_partition_ablation": {"rus": {"f1": 78.65}}}
    out = results.partition_ablation(metrics, {"mustard": counts}, paper).set_index("scheme")
    assert out.loc["rus", ["experts", "n_R", "n_U", "n_S"]].tolist() == [3, 5, 7, 9]
    assert out.loc["random", "n_S"] == 3
    assert out.loc["five", ["experts", "n_R", "n_U", "n_S"]].tolist() == [5, 4, 5, 7]  # folded
    assert out.loc["rus", "paper_f1"] == "78.65" and out.loc["random", "paper_f1"] == render.MISSING


def test_five_types_counts_expert_of_the_group_and_paper():
    scores = (("baseline", 20.0), ("expert_S", 30.0), ("expert_R", 99.0))
    records = [(0, "agreement_synergy", method, f1) for method, f1 in scores]
    kinds = ["agreement_redundancy"] * 3 + ["agreement_synergy"] * 2
    typed = {"mustard": pd.DataFrame({"five_type": kinds})}
    paper = {"short_paper_table2_five_types": {"agreement_synergy": {"n": 37, "expert": 30.3}}}
    out = experts.five_types(_scores(records), typed, paper, ["five", "rus"]).set_index("five_type")
    assert len(out) == 5 and out.loc["agreement_redundancy", "n"] == 3
    row = out.loc["agreement_synergy"]
    assert row["n"] == 2 and row["expert_f1_mean"] == 30.0 and row["single_model_f1_mean"] == 20.0
    assert row["paper_n"] == "37" and row["paper_single"] == render.MISSING
    markdown = render.to_markdown(out.reset_index(), ["single_model_f1", "expert_f1"])
    assert (
        f"30.00 ± {render.MISSING}" in markdown and markdown.count(render.MISSING) > 4
    )  # no scores: dashes


def test_five_types_scores_the_five_type_experts_where_a_family_trained_them():
    rus = [(0, "agreement_synergy", m, f1) for m, f1 in (("baseline", 20.0), ("expert_S", 30.0))]
    five = [(0, "agreement_synergy", "expert_agreement_synergy", 45.0)]
    metrics = pd.concat(
        [_scores(rus), _scores(rus + five, scheme="five"), _scores(rus, family="lora")]
    )
    typed = {"mustard": pd.DataFrame({"five_type": ["agreement_synergy"]})}
    out = experts.five_types(metrics, typed, {}, ["five", "rus"])
    out = out[out["five_type"] == "agreement_synergy"].set_index("family")
    assert out.loc["mlp", ["scheme", "expert_f1_mean"]].tolist() == ["five", 45.0]  # its own
    assert out.loc["lora", ["scheme", "expert_f1_mean"]].tolist() == ["rus", 30.0]  # the S expert


def _model_folders(tmp_path, family, sizes):
    """Model folders (as the tables rule lists them) whose summaries hold ``sizes``: role ->
    (total, trainable), for seeds 0 and 1."""
    models = []
    for seed in (0, 1):
        for role, (total, trainable) in sizes.items():
            path = tmp_path / family / role / f"seed{seed}"
            parameters = {"total": total, "trainable": trainable}
            io.write_json({"best_epoch": 1, "parameters": parameters}, path / "summary.json")
            models.append(
                {"dataset": "mustard", "family": family, "role": role, "seed": seed, "path": path}
            )
    return models


def test_parameter_counts_read_each_model_summary(tmp_path):
    models = _model_folders(tmp_path, "encoder-lora", {"all": (1000, 10), "fuser": (1002, 12)})
    counts = experts.parameter_counts(models).set_index(["role", "seed"])
    assert counts.loc[("fuser", 1), ["total", "trainable", "frozen"]].tolist() == [1002, 12, 990]
    assert set(counts.columns) >= {"dataset", "family", "path"} and len(counts) == 4


def test_parameters_count_what_the_selected_router_runs_and_a_shared_backbone_once(tmp_path):
    records = [(s, "all", m, f1 + s) for s in (0, 1) for m, f1 in (("baseline", 50), ("mmoe", 60))]
    mlp = {"all": (100, 100), "R": (100, 100), "U": (100, 100), "S": (100, 100), "fuser": (10, 10)}
    lora = {role: (1000 + 10, 10) for role in ("all", "R", "U", "S")} | {"fuser": (1000 + 11, 11)}
    counts = experts.parameter_counts(
        _model_folders(tmp_path, "mlp", mlp) + _model_folders(tmp_path, "lora", lora)
    )
    scores = pd.concat([_scores(records), _scores(records, family="lora")])
    selected = _selected(*[("mlp", s, "model_hard") for s in (0, 1)])
    selected = pd.concat([selected, _selected(("lora", 0, "model"), ("lora", 1, "proxy"))])
    out = experts.parameters(scores, counts, selected, "rus").set_index(["family", "method"])
    columns = ["active", "trainable"]
    assert out.loc[("mlp", "single model"), columns].tolist() == [100, 100]
    assert out.loc[("mlp", "+MMoE"), columns].tolist() == [310, 310]  # 3 experts + fuser run
    assert out.loc[("lora", "single model"), columns].tolist() == [1010, 10]
    # seed 0: 3 experts + fuser (41 trainable); seed 1, proxy: 3 experts + single model (40);
    # the shared backbone counted once; the mean over seeds in whole parameters (half to even)
    assert out.loc[("lora", "+MMoE"), columns].tolist() == [1040, 40]
    assert out.loc[("mlp", "+MMoE"), "f1_mean"] == 60.5


def test_dataset_summary_shares():
    typed = pd.DataFrame(
        {"split": ["train"] * 4 + ["test"], "label": [1, 0, 0, 0, 1],
         "interaction": ["R", "R", "U", "S", "S"]}
    )  # fmt: skip
    out = datasets.dataset_summary({"d": typed}).set_index("split")
    assert out.loc["train", ["n", "positive", "share_R", "share_U"]].tolist() == [4, 25, 50, 25]
    assert out.loc["test", "share_S"] == 100.0


def test_write_table_markdown_csv_latex(tmp_path):
    stats = pd.DataFrame(
        {"method": ["a_b", "c"], "f1_mean": [61.0, float("nan")], "f1_std": [2.83, 0.0],
         "paper_f1": ["63.90", render.MISSING]}
    )  # fmt: skip
    render.write_table(stats, ["f1"], tmp_path / "t")
    assert pd.read_csv(tmp_path / "t.csv")["f1_mean"].iloc[0] == 61.0
    markdown = (tmp_path / "t.md").read_text()
    assert "61.00 ± 2.83" in markdown and f"| {render.MISSING} " in markdown
    latex = (tmp_path / "t.tex").read_text()
    assert r"61.00 $\pm$ 2.83" in latex and r"a\_b" in latex and "\\end{tabular}" in latex


def test_evaluate_scores_each_five_type_for_the_five_type_table():
    from mmoe import metrics

    preds = pd.DataFrame({"id": list("abc"), "split": ["test"] * 3, "m": [1, 0, 1]})
    typed = pd.DataFrame(
        {"id": list("abc"), "label": [1, 1, 1], "interaction": ["R", "S", "S"],
         "five_type": ["agreement_redundancy", "agreement_synergy", "disagreement_synergy"]}
    )  # fmt: skip
    out = metrics.evaluate_predictions(preds, typed).set_index("interaction")["accuracy"]
    assert out["agreement_synergy"] == 0.0 and out["disagreement_synergy"] == 100.0
    assert out["S"] == 50.0 and out["all"] == pytest.approx(200 / 3)


def test_multitask_single_vs_pooled_counts_and_paper():
    records = [(s, "all", "mmoe", 60.0 + s) for s in (0, 2)]
    records += [(s, "S", "expert_S", 30.0) for s in (0, 2)]
    single = pd.concat([_scores(records), _scores(records, scheme="random")])
    pooled = (
        pd.concat(
            [_scores([(s, "all", "mmoe", 70.0), (s, "S", "expert_S", 40.0 + s)]) for s in (0, 2)]
        )
        .drop(columns="scheme")
        .assign(group="g")
    )
    counts = pd.DataFrame(
        {"scheme": ["rus"] * 3, "split": ["train_partition"] * 3, "interaction": list("RUS"),
         "n": [5, 7, 9]}
    )  # fmt: skip
    counts = {"mustard": counts, "other": counts.assign(n=[1, 1, 4])}
    paper = {"rq4_multitask": {"overall_f1": {"single_dataset": 61.57, "pooled": 63.9}}}
    out = results.multitask(single, pooled, counts, {"g": ["mustard", "other"]}, paper, "rus")
    out = out.set_index("experts")
    assert out.loc["single-dataset", "f1_mean"] == 61.0
    assert out.loc["single-dataset", "seeds"] == 2  # the random scheme's runs are not counted
    assert out.loc["pooled", "s_expert_accuracy_mean"] == 41.0
    assert out.loc["single-dataset", "n_train_S"] == 9 and out.loc["pooled", "n_train_S"] == 13
    assert out.loc["single-dataset", "paper_f1"] == "61.57"
    assert out.loc["pooled", "paper_f1"] == "63.90"


def test_multitask_without_groups_is_an_empty_table(tmp_path):
    out = results.multitask(_scores([(0, "all", "mmoe", 1.0)]), pd.DataFrame(), {}, {}, {}, "rus")
    assert out.empty and list(out.columns) == results.MULTITASK_COLUMNS
    render.write_table(out, ["f1", "s_expert_accuracy"], tmp_path / "multitask")
    assert "paper_f1" in (tmp_path / "multitask.md").read_text()


def test_selected_routers_and_routing_diagnostics_from_the_fused_runs(tmp_path):
    fused = []
    for seed, (router, accuracy) in enumerate((("proxy", 80.0), ("model_hard", 90.0))):
        stem = tmp_path / f"seed{seed}"
        io.write_json({"mmoe_router": router}, f"{stem}.json")
        pd.DataFrame(
            [("val", "router_accuracy", "proxy", "auto", 0.0),
             ("test", "router_accuracy", "proxy", "auto", accuracy),
             ("test", "expert_accuracy", "S", "R", 10.0)],
            columns=["split", "measure", "subject", "reference", "value"],
        ).to_csv(f"{stem}.routing.csv", index=False)  # fmt: skip
        fused.append({"dataset": "d", "family": "mlp", "scheme": "rus", "seed": seed,
                      "routing": f"{stem}.routing.csv", "settings": f"{stem}.json"})  # fmt: skip
    assert inputs.load_selected(fused)["router"].tolist() == ["proxy", "model_hard"]
    out = experts.routing_diagnostics(fused).set_index(["measure", "subject", "reference"])
    assert len(out) == 2  # the test split only
    assert out.loc[("router_accuracy", "proxy", "auto"), "value_mean"] == 85.0
    assert out.loc[("expert_accuracy", "S", "R"), ["value_std", "seeds"]].tolist() == [0.0, 2]


def _typed(dataset_labels):
    """A typed table from (split, label, y1, y2, interaction, five_type) tuples."""
    columns = ["split", "label", "y1", "y2", "interaction", "five_type"]
    frame = pd.DataFrame(dataset_labels, columns=columns)
    return frame.assign(id=[f"r{i}" for i in range(len(frame))])


def test_trivial_classifiers_score_the_test_split_with_the_training_majority():
    # training: 2 of 3 negative, so the majority class is negative; test: 1 positive of 4
    typed = _typed(
        [("train", 0, 0, 0, "R", "agreement_redundancy")] * 2
        + [("train", 1, 0, 0, "S", "agreement_synergy")]
        + [("test", 1, 1, 1, "R", "agreement_redundancy")]
        + [("test", 0, 0, 0, "R", "agreement_redundancy")] * 3
    )
    out = typing_chain.trivial_scores({"d": typed}).set_index("method")
    assert out.loc["all positive", ["precision", "recall", "f1"]].tolist() == [25.0, 100.0, 40.0]
    assert out.loc["majority class (negative)", "f1"] == 0.0


def test_tables_1_2_3_carry_the_trivial_rows_after_each_datasets_own(tmp_path):
    runs = [_write_run(tmp_path, 0, 60.0, 50.0), _write_run(tmp_path, 0, 70.0, 40.0, "other")]
    metrics = inputs.load_metrics(runs)
    trivial = pd.DataFrame(
        [("mustard", "all positive", 40.0, 100.0, 57.14), ("other", "all positive", 10, 100, 18),
         ("unrun", "all positive", 1, 1, 1)],
        columns=["dataset", "method", "precision", "recall", "f1"],
    )  # fmt: skip
    main = results.main_results(metrics, _selected(("blip", 0, "model")), {}, {}, "rus")
    out = results.with_trivial(main, trivial, "method", ["precision", "recall", "f1"])
    assert out["dataset"].tolist() == ["mustard"] * 3 + ["other"] * 3  # no row for "unrun"
    row = out.iloc[2]
    assert row["method"] == "all positive" and row["family"] == render.MISSING
    assert row["f1_mean"] == 57.14 and pd.isna(row["f1_std"]) and row["seeds"] == 1
    assert "57.14 ± –" in render.to_markdown(out, ["precision", "recall", "f1"])
    counts = {"mustard": pd.DataFrame(columns=["scheme", "split", "interaction", "n"])}
    counts["other"] = counts["mustard"]
    ablation = results.partition_ablation(metrics, counts, {})
    out = results.with_trivial(ablation, trivial, "scheme", ["f1"])
    assert out["scheme"].tolist() == ["rus", "all positive"] * 2
    assert str(out["experts"].dtype) == "Int64"  # counts stay whole
    assert "| – " in render.to_markdown(out, ["f1"])  # the trivial row has no expert count
    fusion = results.fusion_ablation(metrics, {}, {}, "rus")
    fusion = results.with_trivial(fusion, trivial, "method", ["f1"])
    assert fusion.groupby("dataset")["method"].last().tolist() == ["all positive"] * 2


def _fused_run(tmp_path, seed, scheme, predictions, fuser_auto, fuser_true=None):
    """A fused run's files: predictions (test split, per method) and routing diagnostics."""
    stem = tmp_path / f"{scheme}-seed{seed}"
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(4)], "split": "test", **predictions})
    frame.to_parquet(f"{stem}.parquet")
    records = [("test", "router_accuracy", "model", "auto", fuser_auto),
               ("val", "router_accuracy", "model", "auto", 0.0),
               ("test", "router_accuracy", "proxy", "auto", 1.0)]  # fmt: skip
    if fuser_true is not None:
        records.append(("test", "router_accuracy", "model", "true", fuser_true))
    pd.DataFrame(records, columns=["split", "measure", "subject", "reference", "value"]).to_csv(
        f"{stem}.routing.csv", index=False
    )
    return {"dataset": "syn", "family": "mlp", "scheme": scheme, "seed": seed,
            "routing": f"{stem}.routing.csv", "predictions": f"{stem}.parquet"}  # fmt: skip


def test_typing_chain_links_labellers_types_fuser_and_f1(tmp_path):
    # four test rows, true types R, U1, U2, S with labels 1, 0, 1, 0:
    # colour cues 1, 0, 0, 1 and sentiment cues 1, 1, 1, 1
    data = pd.DataFrame(
        {"id": [f"r{i}" for i in range(4)], "true_interaction": ["R", "U1", "U2", "S"],
         "label": [1, 0, 1, 0]}
    )  # fmt: skip
    typed = _typed(
        [("test", 1, 1, 1, "R", "agreement_redundancy"),
         ("test", 0, 0, 1, "U", "disagreement_unique_x1"),
         ("test", 1, 1, 1, "R", "agreement_redundancy"),  # x1 misreads the colour: typed R, not U
         ("test", 0, 1, 1, "S", "agreement_synergy")]
    )  # fmt: skip
    constant = {"baseline": [1, 1, 1, 1], "mmoe": [1, 0, 1, 0], "oracle": [1, 0, 1, 0]}
    fused = [
        _fused_run(tmp_path, 0, "rus", constant, 50.0, 25.0),
        _fused_run(tmp_path, 1, "rus", {**constant, "baseline": [0, 0, 1, 0]}, 70.0, 75.0),
        _fused_run(tmp_path, 0, "five", constant, 40.0),
    ]
    metrics = pd.concat(
        [
            _scores([(0, "all", "baseline", 66.0), (1, "all", "baseline", 60.0),
                     (0, "all", "mmoe", 80.0), (1, "all", "mmoe", 90.0),
                     (0, "all", "oracle", 100.0), (1, "all", "oracle", 100.0),
                     (0, "all", "average", 1.0)], dataset="syn"),
            _scores([(0, "all", "baseline", 66.0), (0, "all", "mmoe", 70.0),
                     (0, "all", "oracle", 90.0)], scheme="five", dataset="syn"),
        ]
    )  # fmt: skip
    out = typing_chain.typing_chain(metrics, fused, {"syn": typed}, {"syn": data}, {})
    assert out["scheme"].tolist() == ["five", "rus"]
    rus = out.set_index("scheme").loc["rus"]
    assert rus["labeller_x1"] == 75.0 and rus["labeller_x2"] == 50.0
    assert rus["cue_x1"] == 75.0 and rus["cue_x2"] == 100.0
    assert rus["reference"] == "true_interaction" and rus["types_vs_reference"] == 75.0
    assert rus["fuser_auto_mean"] == 60.0 and rus["fuser_true_mean"] == 50.0
    assert rus[["single_f1_mean", "mmoe_f1_mean", "oracle_f1_mean"]].tolist() == [63.0, 85.0, 100.0]
    assert rus["seeds"] == 2 and rus["one_class"] == "single model ×1"
    five = out.set_index("scheme").loc["five"]
    assert five["types_vs_reference"] == 75.0  # in the five-type set, the U2 row is still wrong
    assert pd.isna(five["fuser_true_mean"]) and five["one_class"] == "single model ×1"
    markdown = render.to_markdown(out, list(stages_tables.TABLES["typing_chain"].columns))
    assert "85.00 ± 7.07" in markdown


def test_typing_chain_against_human_annotations_without_truth(tmp_path):
    typed = _typed(
        [("test", 1, 1, 1, "R", "agreement_redundancy"),
         ("train", 0, 0, 1, "U", "disagreement_unique_x1"),
         ("val", 0, 1, 1, "S", "agreement_synergy")]
    )  # fmt: skip
    human = pd.DataFrame({"id": ["r0", "r1", "r2"], "type": ["R", "U", "R"]})
    predictions = {"baseline": [0, 1, 0, 1], "mmoe": [0, 1, 0, 1], "oracle": [1, 1, 1, 1]}
    fused = [_fused_run(tmp_path, 0, "rus", predictions, 50.0)]
    metrics = _scores([(0, "all", m, 50.0) for m in predictions], dataset="syn")
    row = typing_chain.typing_chain(metrics, fused, {"syn": typed}, {}, {"syn": human}).iloc[0]
    assert row["reference"] == "human" and row["types_vs_reference"] == pytest.approx(200 / 3)
    assert pd.isna(row["cue_x1"]) and row["one_class"] == "oracle ×1"


def test_table_1_marks_the_seeds_whose_predictions_are_one_class(tmp_path):
    flags = pd.DataFrame(
        [("mustard", "blip", "rus", s, m, one) for s, m, one in
         [(0, "baseline", True), (1, "baseline", True), (0, "mmoe", False), (1, "mmoe", True)]]
        + [("mustard", "blip", "five", 0, "mmoe", True)],
        columns=["dataset", "family", "scheme", "seed", "method", "one_class"],
    )  # fmt: skip
    runs = [_write_run(tmp_path, 0, 60.0, 50.0), _write_run(tmp_path, 1, 64.0, 52.0)]
    main = results.main_results(
        inputs.load_metrics(runs), _selected(("blip", 0, "m")), {}, {}, "rus"
    )
    out = typing_chain.with_one_class_seeds(main, flags, "rus").set_index("method")
    assert out["one_class_seeds"].to_dict() == {"single model": 2, "+MMoE": 1}


def test_label_sources_agreement_counts_and_gain(tmp_path):
    from mmoe.reporting import reproduction

    typed = pd.DataFrame(
        {"id": list("abcdef"), "split": ["train"] * 4 + ["test"] * 2,
         "interaction": ["R", "U", "U", "S", "R", "U"]}
    )  # fmt: skip
    files = {}
    for kind, ids in {"R": "ab", "U": "cd", "S": "ef"}.items():
        path = tmp_path / f"{kind}.json"
        path.write_text("{" + ", ".join(f'"{i}": {{}}' for i in ids) + "}")
        files[kind] = [str(path)]
    runs = [_write_run(tmp_path, s, f1, 50.0 + s, dataset="d") for s, f1 in ((0, 60.0), (1, 56.0))]
    typing = {"d": reproduction.reference_typing("d", typed, files)}
    out = reproduction.label_sources(typing, {"d": "classifier"}, inputs.load_metrics(runs), "rus")
    row = out.iloc[0]
    assert row["labels"] == "classifier" and row["agreement"] == pytest.approx(100 * 2 / 6)
    assert row["agreement_test"] == 0.0 and (row["n_R"], row["n_U"], row["n_S"]) == (1, 2, 1)
    assert row["gain_mean"] == pytest.approx(((60 - 50) + (56 - 51)) / 2) and row["seeds"] == 2
    empty = reproduction.label_sources({}, {}, inputs.load_metrics(runs), "rus")
    assert empty.empty and "gain_mean" in empty.columns
