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
    threads: 2
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        kind=view_kind("embed"),
        text_dtype=config["text_encoder_dtype"],
        image_encoder=image_encoder,
    script:
        "../../scripts/embed_view.py"
