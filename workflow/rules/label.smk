rule label_shard:
    input:
        data=data_file(),
        model=block_model("labeling"),
    output:
        labels=shard_file("parquet"),
        stats=shard_file("json"),
    log:
        "logs/{dataset}/label_shard/{view}/{shard}.log",
    benchmark:
        "benchmarks/{dataset}/label_shard/{view}/{shard}.tsv"
    conda:
        "../../envs/llm.yaml"
    threads: block_resource("labeling", "cpus_per_task", 4)
    resources:
        mem_mb=block_resource("labeling", "mem_mb", 8000),
        runtime=block_resource("labeling", "runtime", 120),
        gpu=block_resource("labeling", "gpu", 0),
    params:
        kind=view_kind("label_shard"),
        sharding="content",  # rows go to shards by content (mmoe.labeling.sharding)
        labeling=dataset_params("label_shard", "labeling"),
        seed=config["seed"],
        cache_dir="results/{dataset}/unimodal/cache",
    script:
        "../../scripts/label_shard.py"


rule label_unimodal:
    input:
        unpack(label_inputs),
    output:
        labels=unimodal_file(),
    log:
        "logs/{dataset}/label_unimodal/{view}.log",
    benchmark:
        "benchmarks/{dataset}/label_unimodal/{view}.tsv"
    # The labels, their summary and the partitions go before jobs that no model waits for
    # (discretise_view), like the single models: the partitions and every model wait for them.
    priority: 1
    group:
        FEATURES_GROUP
    conda:
        "../../envs/train.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        kind=view_kind("label"),
        encoder=view_encoder("label"),
        labeling=dataset_params("label", "labeling"),
        seed=config["seed"],
    script:
        "../../scripts/label_unimodal.py"


rule labeling_summary:
    input:
        data=data_file(),
        x1=unimodal_file("x1"),
        x2=unimodal_file("x2"),
    output:
        summary=labeling_summary_file(),
    log:
        "logs/{dataset}/labeling_summary.log",
    benchmark:
        "benchmarks/{dataset}/labeling_summary.tsv"
    priority: 1
    conda:
        "../../envs/core.yaml"
    params:
        labeling=dataset_params("labeling_summary", "labeling"),
    script:
        "../../scripts/labeling_summary.py"


rule caption_view:
    input:
        data=data_file(),
        model=block_model("captioning"),
    output:
        captions=caption_file(),
    log:
        "logs/{dataset}/caption_view/{view}.log",
    benchmark:
        "benchmarks/{dataset}/caption_view/{view}.tsv"
    conda:
        "../../envs/llm.yaml"
    threads: block_resource("captioning", "cpus_per_task", 4)
    resources:
        mem_mb=block_resource("captioning", "mem_mb", 8000),
        runtime=block_resource("captioning", "runtime", 120),
        gpu=block_resource("captioning", "gpu", 0),
    params:
        captioning=dataset_params("caption", "captioning"),
        seed=config["seed"],
        cache_dir="results/{dataset}/captions/cache",
    script:
        "../../scripts/caption_view.py"
