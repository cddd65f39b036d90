from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/label.smk"
include: "workflow/rules/partition.smk"
include: "workflow/rules/experts.smk"
include: "workflow/rules/fusion.smk"
include: "workflow/rules/tables.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
