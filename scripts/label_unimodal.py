"""Unimodal predictions for one view: the classifier or precomputed backend, or the gathered LLM
shards."""

from mmoe.logs import to_log
from mmoe.stages.label import decision_rule, gather_labels, label_unimodal

sm = snakemake  # noqa: F821
with to_log(sm.log[0]):
    if hasattr(sm.input, "shards"):
        rule = decision_rule(sm.params.labeling)
        gather_labels(sm.input.data, list(sm.input.shards), sm.output[0], *rule)
    else:
        label_unimodal(
            sm.wildcards.dataset, sm.input.data, sm.input.get("features"), sm.wildcards.view,
            sm.params.kind, sm.params.labeling, sm.params.seed, sm.output[0], sm.params.encoder,
        )  # fmt: skip
