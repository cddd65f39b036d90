"""Train an expert, the single-model baseline or the fuser, and write its logits."""

import torch

from mmoe.logs import to_log
from mmoe.pipeline import train_model

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
with to_log(sm.log[0]):
    train_model(
        sm.params.family, sm.params.params, sm.input.data,
        {"x1": sm.input.x1, "x2": sm.input.x2}, sm.params.kinds, sm.input.typed, sm.params.role,
        sm.input.get("partition"), int(sm.wildcards.seed), sm.output.model, sm.output.logits,
        {v: sm.input[f"caption_{v}"] for v in ("x1", "x2") if hasattr(sm.input, f"caption_{v}")},
    )  # fmt: skip
