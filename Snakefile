from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless the command line names config files: then those alone are the
# config (`--configfile config.yaml my.yaml` layers a file over the default).
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# Seconds-long bookkeeping stages run inside the Snakemake process, not as cluster jobs.
localrules:
    all,
    download,
    fetch_artifact,
    import_single_model,
    import_rus_scheme,
    import_five_scheme,
    ingest,
    generate_synthetic,
    prepare_text_encoder,
    labeling_summary,
    partition_interactions,
    dataset_pid,
    fuse,
    evaluate,
    fuse_multitask,
    evaluate_multitask,
    tables,


include: "workflow/rules/common.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/artifacts.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/embed.smk"
include: "workflow/rules/label.smk"
include: "workflow/rules/partition.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/imports.smk"
include: "workflow/rules/fusion.smk"
include: "workflow/rules/multitask.smk"
include: "workflow/rules/pid.smk"
include: "workflow/rules/tables.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
