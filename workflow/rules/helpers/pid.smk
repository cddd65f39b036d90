# Input, params and output-path functions of the rules in pid.smk.
def pid_predictions(wildcards):
    """Per family of the dataset, the fused predictions (main scheme, its first seed) whose
    single-model and +MMoE columns dataset_pid decomposes."""
    main = config["main_scheme"]
    return {
        f: fused_file("parquet", wildcards.dataset, f, main, family_seeds(f)[0])
        for f in dataset_cfg(wildcards)["families"]
    }


def pid_codes_files(wildcards):
    return {v: pid_codes_file(v, wildcards.dataset) for v in ("x1", "x2")}
