"""Read an imported family's single model (import_single_model) or a scheme's experts and fuser
(import_<expert set>_scheme): the stage functions of mmoe.stages.imports, given the rule's files."""

from mmoe.logs import to_log
from mmoe.stages import imports

sm = snakemake  # noqa: F821
model = {"data": sm.input.data, "dataset": sm.wildcards.dataset, "params": sm.params.params}
with to_log(sm.log[0]):
    if sm.params.role == "single_model":
        imports.import_single_model(**model, out_dir=sm.output.model, logits_out=sm.output.logits)
    else:
        imports.import_scheme(
            **model, types=sm.params.types, experts=sm.output.experts,
            expert_logits=sm.output.expert_logits, fuser=sm.output.fuser,
            fuser_logits=sm.output.fuser_logits,
        )  # fmt: skip
