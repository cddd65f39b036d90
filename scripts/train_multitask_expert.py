"""Train one multitask expert on several datasets' partitions and write per-dataset logits."""

import torch

from mmoe.logs import to_log
from mmoe.stages.multitask import train_multitask_expert

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
with to_log(sm.log[0]):
    train_multitask_expert(
        sm.params.family, sm.params.params, sm.params.members, sm.wildcards.expert,
        int(sm.wildcards.seed), sm.output.model, sm.output.logits,
    )  # fmt: skip
