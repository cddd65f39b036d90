# Input, params and output-path functions of the rules in training.smk.
from mmoe.stages.training import fuser_soft_targets, reads_features, supports_init_from


def model_dir(role, scheme="{scheme}"):
    return f"results/{{dataset}}/models/{{family}}/{scheme}/{role}/seed{{seed}}"


def logits_file(role, scheme="{scheme}"):
    return f"results/{{dataset}}/logits/{{family}}/{scheme}/{role}/seed{{seed}}.parquet"


SINGLE_MODEL_DIR = "results/{dataset}/models/{family}/single_model/seed{seed}"
SINGLE_MODEL_LOGITS = (
    "results/{dataset}/logits/{family}/single_model/seed{seed}.parquet"
)


def family_params(wildcards):
    return canonical(config["families"][wildcards.family]["params"])


def family_feature_files(wildcards):
    """The views' features of a family that reads them (:func:`reads_features`), else none."""
    return feature_files(wildcards) if reads_features(wildcards.family) else {}


def family_encoders(stage):
    """A params function: :func:`view_encoders` of ``stage`` for a family that reads the
    features, else none (the encoders then change nothing the job reads)."""
    encoders = view_encoders(stage)
    return lambda wildcards: (
        encoders(wildcards) if reads_features(wildcards.family) else {}
    )


# The params every training rule passes to its stage (the family is its wildcard).
MODEL_PARAMS = {
    "params": family_params,
    "kinds": dataset_params("training", "views"),
    "encoders": family_encoders("training"),
}
EXPERT_PARAMS = {**MODEL_PARAMS, "expert_training": canonical(config["experts"])}
FUSER_PARAMS = {
    **MODEL_PARAMS,
    "fuser_probabilities": lambda wildcards: fuser_probabilities(wildcards),
    "fuser_training": canonical(config["fusion"]["fuser_training"]),
    "soft_targets": lambda wildcards: soft_fuser_targets(wildcards),
    "types": lambda wildcards: scheme_types(wildcards),  # helpers/fusion.smk
}


def family_resource(key, default, models=1):
    """A resources function: the family's ``resources[key]`` (else ``default``), times
    ``models`` (the models a job trains: its runtime adds up)."""
    return (
        lambda wildcards: config["families"][wildcards.family]
        .get("resources", {})
        .get(key, default)
        * models
    )


def training_families(per_scheme):
    """A wildcard constraint: the datasets' families whose scheme models train in one job per
    scheme (``per_scheme``) or in one job per model (``jobs: per_model``, or GPU resources).
    """
    chosen = [
        f
        for f in trained_families()
        if scheme_jobs(config["families"][f]) == per_scheme
    ]
    return "|".join(map(re.escape, chosen)) or "(?!)"  # (?!): matches nothing


def trained_families():
    """The datasets' families that train (every one but the imported: imports.smk)."""
    return [f for f in DATASET_FAMILIES if not is_imported(f)]


def scheme_jobs(family):
    """Whether ``family`` (its config) trains a scheme's experts and fuser in one job."""
    gpu = family.get("resources", {}).get("gpu", 0)
    return family.get("jobs", "per_scheme") == "per_scheme" and not gpu


def schemes_of(expert_set):
    """A wildcard constraint: the partition schemes whose experts are ``expert_set``'s."""
    return "|".join(s for s, (_, experts) in SCHEMES.items() if experts == expert_set)


def model_inputs(wildcards):
    """The rows, their features (for a family that reads them), the captions of captioned image
    views and, for a family that fine-tunes a model that a rule of models.smk unpacks, that
    model's folder."""
    inputs = {
        "data": data_file(wildcards.dataset),
        **family_feature_files(wildcards),
        **{f"caption_{v}": path for v, path in caption_files(wildcards).items()},
    }
    inputs["pretrained"] = prepared_model(family_params(wildcards).get("model_path"))
    return inputs


def partitioned_model_inputs(wildcards):
    """model_inputs and the scheme's partition (the experts' and the fuser's rows)."""
    partition = partition_dir(wildcards.scheme, wildcards.dataset)
    return {**model_inputs(wildcards), "partition": partition}


def expert_inputs(wildcards):
    """partitioned_model_inputs and, with ``experts.shared_start`` for a family that supports
    it, the single model of the same family and seed that the expert starts from (a LoRA
    family's experts share the pretrained base instead)."""
    inputs = partitioned_model_inputs(wildcards)
    if config["experts"]["shared_start"] and supports_init_from(wildcards.family):
        inputs["single_model"] = SINGLE_MODEL_DIR.format(**dict(wildcards.items()))
    return inputs


def scheme_model_inputs(wildcards):
    """expert_inputs and fuser_inputs: a scheme's experts and fuser trained in one job."""
    return {**expert_inputs(wildcards), **fuser_inputs(wildcards)}


def soft_fuser_targets(wildcards):
    """Whether the job's fuser trains on soft types (``fusion.fuser_training.targets``)."""
    targets = config["fusion"]["fuser_training"]["targets"]
    return fuser_soft_targets(wildcards.scheme, targets)


def fuser_probabilities(wildcards):
    """Whether the job's fuser reads the unimodal probabilities as features
    (``fusion.fuser_probabilities``, for a family that reads features)."""
    return config["fusion"]["fuser_probabilities"] and reads_features(wildcards.family)


def fuser_inputs(wildcards):
    """partitioned_model_inputs and, with :func:`fuser_probabilities` or soft fuser targets,
    the typed rows (their unimodal probabilities p1, p2 are the fuser's extra input or make its
    soft targets)."""
    inputs = partitioned_model_inputs(wildcards)
    if fuser_probabilities(wildcards) or soft_fuser_targets(wildcards):
        inputs["typed"] = typed_file(wildcards.dataset)
    return inputs
