# Input, params and output-path functions of the rules in label.smk.
def label_inputs(wildcards):
    """Features for the classifier backend; the view's shards for chat-model backends."""
    data = f"results/{wildcards.dataset}/data.parquet"
    labeling = dataset_cfg(wildcards)["labeling"]
    if labeling["backend"] == "classifier":
        return {
            "data": data,
            "features": f"results/{wildcards.dataset}/features/{wildcards.view}.npy",
        }
    shards = range(labeling.get("shards", 1))
    prefix = f"results/{wildcards.dataset}/unimodal/shards/{wildcards.view}"
    return {"data": data, "shards": [f"{prefix}/{shard}.parquet" for shard in shards]}


def labeling_model(wildcards):
    return dataset_cfg(wildcards)["labeling"].get("params", {}).get("model")


def captioning_model(wildcards):
    return dataset_cfg(wildcards)["captioning"].get("params", {}).get("model")
