# Input, params and output-path functions of the rules in multitask.smk.
GROUPS = config.get("multitask", {})  # multitask group -> {datasets, families}


def multitask_dir(kind):
    """A multitask expert's ``models`` or ``logits`` (one file per member dataset) folder."""
    return f"results/multitask/{{group}}/{kind}/{{family}}/{{expert}}/seed{{seed}}"


def multitask_file(
    kind, ext, group="{group}", family="{family}", dataset="{dataset}", seed="{seed}"
):
    """A member dataset's multitask ``fused`` predictions or settings, or its ``metrics``."""
    return f"results/multitask/{group}/{kind}/{family}/{dataset}/seed{seed}.{ext}"


def multitask_members(wildcards):
    """Per member dataset of the group: its data, main-scheme partition, features (for a family
    that reads them), view kinds and captions (the train_multitask_expert inputs, keyed for
    mmoe.stages.multitask).
    """
    main = config["main_scheme"]
    members = {}
    for dataset in GROUPS[wildcards.group]["datasets"]:
        member = SimpleNamespace(dataset=dataset, family=wildcards.family)
        members[dataset] = {
            "data": data_file(dataset),
            "partition": partition_dir(main, dataset),
            "features": family_feature_files(member),
            "kinds": dataset_params("multitask", "views")(member),
            "encoders": family_encoders("multitask")(member),
            "captions": caption_files(member),
        }
    return members


def multitask_inputs(wildcards):
    """Every file of every member (flattened from multitask_members) and the family's
    pretrained model folder, where a rule of models.smk makes it."""
    files = prepared_model(family_params(wildcards).get("model_path"))
    for member in multitask_members(wildcards).values():
        files += [member["data"], member["partition"], *member["features"].values()]
        files += member["captions"].values()
    return files


def multitask_runs():
    """One record per (group, member dataset, family, seed) with its metrics file."""
    return [
        {
            "group": g,
            "dataset": d,
            "family": f,
            "seed": seed,
            "path": multitask_file("metrics", "csv", g, f, d, seed),
        }
        for g, cfg in sorted(GROUPS.items())
        for d in cfg["datasets"]
        for f in cfg["families"]
        for seed in family_seeds(f)
    ]
