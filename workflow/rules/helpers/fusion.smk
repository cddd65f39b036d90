# Params functions of the rules in fusion.smk (and of fuse_multitask, multitask.smk).
def fusion_params():
    """The fuse rules' params: the experts, the fusion settings and the dataset's gamma (its
    agreement threshold, read by the label-free routers)."""
    return {
        "experts": EXPERTS,
        "fixed_weights": canonical(config["fusion"]["fixed_weights"]),
        "method": config["fusion"]["method"],
        "gamma": dataset_key("gamma", 0.5),
    }
