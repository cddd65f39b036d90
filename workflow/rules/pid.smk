rule dataset_pid:
    input:
        unpack(feature_files),
        data=data_file(),
        typed=typed_file(),
        predictions=lambda wildcards: pid_predictions(wildcards).values(),
    output:
        pid=pid_file(),
    log:
        "logs/{dataset}/dataset_pid.log",
    benchmark:
        "benchmarks/{dataset}/dataset_pid.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        kinds=dataset_params("pid", "views"),
        encoders=view_encoders("pid"),
        seed=config["seed"],
        families=lambda wildcards: list(pid_predictions(wildcards)),
    script:
        "../../scripts/dataset_pid.py"
