rule fuse:
    input:
        typed="results/{dataset}/interactions.parquet",
        partition="results/{dataset}/partitions/{scheme}",
        experts=[logits_file(role) for role in EXPERTS],
        fuser=logits_file("fuser"),
        baseline=logits_file("all", "full"),
    output:
        predictions="results/{dataset}/fused/{family}/{scheme}/seed{seed}.parquet",
        settings="results/{dataset}/fused/{family}/{scheme}/seed{seed}.json",
    log:
        "logs/{dataset}/fuse/{family}/{scheme}/seed{seed}.log",
    conda:
        "../../envs/core.yaml"
    params:
        experts=EXPERTS,
        fixed_weights=config["fusion"]["fixed_weights"],
    script:
        "../../scripts/fuse.py"


rule evaluate:
    input:
        predictions="results/{dataset}/fused/{family}/{scheme}/seed{seed}.parquet",
        typed="results/{dataset}/interactions.parquet",
    output:
        "results/{dataset}/metrics/{family}/{scheme}/seed{seed}.csv",
    log:
        "logs/{dataset}/evaluate/{family}/{scheme}/seed{seed}.log",
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/evaluate.py"
