# Input and params functions of the rules in fusion.smk (and of fuse_multitask, multitask.smk).
def scheme_types(wildcards):
    """The types of the job's scheme (its wildcard, else the main scheme): one expert each, in
    the fuser's class order."""
    return list(scheme_experts(wildcards.get("scheme", config["main_scheme"])))


def expert_logits(wildcards):
    """The logits of the scheme's experts."""
    fields = dict(wildcards.items())
    return [logits_file(kind).format(**fields) for kind in scheme_types(wildcards)]


def fusion_params():
    """The fuse rules' params: the experts, the fusion settings and the dataset's gamma (its
    agreement threshold, read by the label-free routers)."""
    return {
        "experts": scheme_types,
        "fixed_weights": canonical(config["fusion"]["fixed_weights"]),
        "method": config["fusion"]["method"],
        "gamma": dataset_params("fusion", "gamma"),
    }
