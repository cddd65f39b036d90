# Input and params functions of the rules in fusion.smk (and of fuse_multitask, multitask.smk).
def scheme_types(wildcards):
    """The types of the job's scheme (its wildcard, else the main scheme): one expert each, in
    the fuser's class order."""
    return list(scheme_experts(wildcards.get("scheme", config["main_scheme"])))


def expert_logits(wildcards):
    """The logits of the scheme's experts."""
    fields = dict(wildcards.items())
    return [logits_file(kind).format(**fields) for kind in scheme_types(wildcards)]


# The fusion settings a fuse job reads; a family's own `fusion` block overrides them for its runs.
FUSION_KEYS = (
    "fixed_weights",
    "method",
    "cascade_threshold",
    "cascade_rule",
    "combine",
    "fuser_weights",
)


def fusion_settings(wildcards):
    """The fusion settings of the job's family (each its own, else the config's)."""
    own = config["families"][wildcards.family].get("fusion", {})
    return canonical({key: own.get(key, config["fusion"][key]) for key in FUSION_KEYS})


def fusion_params():
    """The fuse rules' params: the experts' types, the fusion settings and the dataset's gamma
    (its agreement threshold, read by the label-free routers)."""
    return {
        "types": scheme_types,
        "fusion": fusion_settings,
        "gamma": dataset_params("fusion", "gamma"),
    }
