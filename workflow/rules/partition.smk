rule partition_interactions:
    input:
        data=data_file(),
        x1=unimodal_file("x1"),
        x2=unimodal_file("x2"),
        # gate: the labeling summary fails on too many unparsed answers
        summary=labeling_summary_file(),
    output:
        typed=typed_file(),
        counts=counts_file(),
        partitions=[directory(partition_dir(scheme)) for scheme in config["schemes"]],
    log:
        "logs/{dataset}/partition_interactions.log",
    benchmark:
        "benchmarks/{dataset}/partition_interactions.tsv"
    priority: 1  # label.smk: label_unimodal
    conda:
        "../../envs/core.yaml"
    params:
        gamma=dataset_params("partition", "gamma"),
        confidence_filter=dataset_params("partition", "confidence_filter"),
        schemes=config["schemes"],
        seed=config["seed"],
    script:
        "../../scripts/partition_interactions.py"
