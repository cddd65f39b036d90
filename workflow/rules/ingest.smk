rule prepare_text_encoder:
    output:
        directory(config["text_encoder"]),
    log:
        "logs/prepare_text_encoder.log",
    conda:
        "../../envs/train.yaml"
    script:
        "../../scripts/prepare_text_encoder.py"


rule generate_synthetic:
    output:
        directory("results/{dataset}/source"),
    log:
        "logs/{dataset}/generate_synthetic.log",
    benchmark:
        "benchmarks/{dataset}/generate_synthetic.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        cfg=dataset_cfg,
        seed=config["seed"],
    script:
        "../../scripts/generate_synthetic.py"


rule ingest:
    input:
        ingest_source,
    output:
        "results/{dataset}/data.parquet",
    log:
        "logs/{dataset}/ingest.log",
    conda:
        "../../envs/core.yaml"
    params:
        cfg=dataset_cfg,
        seed=config["seed"],
    script:
        "../../scripts/ingest.py"
