rule label_unimodal:
    input:
        data="results/{dataset}/data.parquet",
        features="results/{dataset}/features/{view}.npy",
    output:
        "results/{dataset}/unimodal/{view}.parquet",
    log:
        "logs/{dataset}/label_unimodal/{view}.log",
    benchmark:
        "benchmarks/{dataset}/label_unimodal/{view}.tsv"
    conda:
        "../../envs/train.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        kind=lambda wildcards: dataset_cfg(wildcards)["views"][wildcards.view],
        labeling=lambda wildcards: dataset_cfg(wildcards)["labeling"],
        seed=config["seed"],
    script:
        "../../scripts/label_unimodal.py"
