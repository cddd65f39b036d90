rule generate_synthetic:
    output:
        source=directory("results/{dataset}/source"),
    log:
        "logs/{dataset}/generate_synthetic.log",
    benchmark:
        "benchmarks/{dataset}/generate_synthetic.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        cfg=dataset_params("ingest"),
        seed=config["seed"],
    script:
        "../../scripts/generate_synthetic.py"


rule download:
    output:
        file="resources/{dataset}/{filename}",
    log:
        "logs/{dataset}/download_{filename}.log",
    wildcard_constraints:
        filename=r"[^/]+",
    conda:
        "../../envs/core.yaml"
    params:
        cfg=dataset_params("download"),
    script:
        "../../scripts/download.py"


rule extract_frames:
    input:
        videos=lambda wildcards: dataset_cfg(wildcards)["videos_dir"],
    output:
        frames=directory("results/{dataset}/frames"),
    log:
        "logs/{dataset}/extract_frames.log",
    benchmark:
        "benchmarks/{dataset}/extract_frames.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        cfg=dataset_params("frames"),
    script:
        "../../scripts/extract_frames.py"


rule ingest:
    input:
        unpack(ingest_source),
    output:
        data=data_file(),
        dropped="results/{dataset}/dropped.csv",
    log:
        "logs/{dataset}/ingest.log",
    benchmark:
        "benchmarks/{dataset}/ingest.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        cfg=ingest_params,
        seed=config["seed"],
    script:
        "../../scripts/ingest.py"
