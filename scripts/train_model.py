"""Train the single model (train_baseline), an expert (train_expert), the fuser (train_fuser) or
a scheme's experts and then its fuser (train_<expert set>_scheme, CPU families), and write each
model's logits: the stage functions of mmoe.stages.training, given the rule's inputs."""

import torch

from mmoe.logs import to_log
from mmoe.stages import training
from mmoe.stages.rows import load_views

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
features = {"x1": sm.input.x1, "x2": sm.input.x2}
captions = {v: sm.input.get(f"caption_{v}") for v in features}
common = {"seed": int(sm.wildcards.seed)}


def expert_args() -> dict:
    return common | {
        "partition_dir": sm.input.partition,
        "init_from": sm.input.get("single_model"),
        "type_aware": sm.params.experts["type_aware_selection"],
    }


def fuser_args() -> dict:
    fuser, typed = sm.params.fuser_training, sm.input.get("typed")
    soft = training.fuser_soft_targets(sm.wildcards.scheme, fuser["targets"])
    return common | {
        "partition_dir": sm.input.partition,
        "probabilities": typed if sm.params.fuser_probabilities else None,
        "soft_targets": typed if soft else None,
        "loss": {k: v for k, v in fuser.items() if k != "targets"},
        "types": sm.params.types,
    }


with to_log(sm.log[0]):
    views = load_views(
        sm.input.data, features, sm.params.kinds, {v: p for v, p in captions.items() if p},
        sm.params.encoders,
    )  # fmt: skip
    model = (sm.params.family, sm.params.params, views)
    if sm.rule == "train_baseline":
        training.train_baseline(
            *model, **common, out_dir=sm.output.model, logits_out=sm.output.logits
        )
    elif sm.rule == "train_expert":
        out = {"out_dir": sm.output.model, "logits_out": sm.output.logits}
        training.train_expert(*model, expert=sm.wildcards.expert, **expert_args(), **out)
    elif sm.rule == "train_fuser":
        training.train_fuser(
            *model, **fuser_args(), out_dir=sm.output.model, logits_out=sm.output.logits
        )
    else:
        trained = zip(sm.params.types, sm.output.experts, sm.output.expert_logits, strict=True)
        for expert, out_dir, logits in trained:
            print(f"expert {expert}", flush=True)
            training.train_expert(
                *model, expert=expert, **expert_args(), out_dir=out_dir, logits_out=logits
            )
        print("fuser", flush=True)
        training.train_fuser(
            *model, **fuser_args(), out_dir=sm.output.fuser, logits_out=sm.output.fuser_logits
        )
