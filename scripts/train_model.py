"""Train the single model (train_baseline), an expert (train_expert) or the fuser (train_fuser),
and write its logits: the stage function named like the rule, given the rule's inputs."""

import torch

from mmoe.logs import to_log
from mmoe.stages import training
from mmoe.stages.rows import load_views

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
features = {"x1": sm.input.x1, "x2": sm.input.x2}
captions = {v: sm.input.get(f"caption_{v}") for v in features}
stage_args = {"partition_dir": sm.input.partition} if hasattr(sm.input, "partition") else {}
if sm.rule == "train_expert":
    stage_args["expert"] = sm.wildcards.expert
    stage_args["init_from"] = sm.input.get("single_model")
    stage_args["type_aware"] = sm.params.experts["type_aware_selection"]
if sm.rule == "train_fuser":
    fuser = sm.params.fuser_training
    typed = sm.input.get("typed")
    stage_args["probabilities"] = typed if sm.params.fuser_probabilities else None
    soft = training.fuser_soft_targets(sm.wildcards.scheme, fuser["targets"])
    stage_args["soft_targets"] = typed if soft else None
    stage_args["loss"] = {k: v for k, v in fuser.items() if k != "targets"}
    stage_args["types"] = sm.params.types
with to_log(sm.log[0]):
    views = load_views(
        sm.input.data, features, sm.params.kinds, {v: p for v, p in captions.items() if p},
        sm.params.encoders,
    )  # fmt: skip
    getattr(training, sm.rule)(
        sm.params.family,
        sm.params.params,
        views,
        **stage_args,
        seed=int(sm.wildcards.seed),
        out_dir=sm.output.model,
        logits_out=sm.output.logits,
    )
