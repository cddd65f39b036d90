# Input, params and output-path functions of the rules in label.smk.
def label_inputs(wildcards):
    """Features for the classifier backend; the view's file for the precomputed backend; the
    view's shards for chat-model backends."""
    data = data_file(wildcards.dataset)
    labeling = dataset_cfg(wildcards)["labeling"]
    if labeling["backend"] == "precomputed":
        return {
            "data": data,
            "predictions": labeling["params"]["files"][wildcards.view],
        }
    if labeling["backend"] == "classifier":
        return {
            "data": data,
            "features": features_file(wildcards.view, wildcards.dataset),
        }
    shards = range(labeling["shards"])
    files = [
        shard_file("parquet", wildcards.view, shard, wildcards.dataset)
        for shard in shards
    ]
    return {"data": data, "shards": files}


def block_model(block):
    """An input function: the folder of the dataset's ``block`` (labeling, captioning) model
    if models.smk prepares it (:func:`prepared_model`)."""
    return lambda wildcards: prepared_model(
        dataset_cfg(wildcards)[block].get("params", {}).get("model")
    )
