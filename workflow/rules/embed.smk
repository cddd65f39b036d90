rule embed_view:
    input:
        data=data_file(),
        text_encoder=config["text_encoder"],
        image_model=image_encoder_folder,
    output:
        features=features_file(),
    log:
        "logs/{dataset}/embed_view/{view}.log",
    benchmark:
        "benchmarks/{dataset}/embed_view/{view}.tsv"
    group:
        FEATURES_GROUP
    conda:
        "../../envs/train.yaml"
    # One thread: on 2 cores two one-thread embeddings give 1.4x the texts per second of one
    # two-thread embedding (docs/measured.md 0d), and a one-thread job fits any free core.
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        kind=view_kind("embed"),
        text_dtype=config["text_encoder_dtype"],
        image_encoder=image_encoder,
    script:
        "../../scripts/embed_view.py"
