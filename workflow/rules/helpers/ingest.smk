# Input, params and output-path functions of the rules in ingest.smk.
from urllib.parse import urlparse


def download_target(wildcards):
    """The file ``download`` fetches the dataset's ``url`` into (resources/{dataset}/{name})."""
    name = PurePosixPath(urlparse(dataset_cfg(wildcards)["url"]).path).name
    return f"resources/{wildcards.dataset}/{name}"


def frames_dir(wildcards):
    return f"results/{wildcards.dataset}/frames"


def ingest_source(wildcards):
    """The source (downloaded when ``path`` is missing and a ``url`` is set), then the frames
    extracted from ``videos_dir`` if any."""
    cfg = dataset_cfg(wildcards)
    if cfg["format"] == "synthetic":
        return f"results/{wildcards.dataset}/source"
    source = cfg.get("path")
    if "url" in cfg and not (source and Path(source).exists()):
        source = download_target(wildcards)
    return [source, *([frames_dir(wildcards)] if "videos_dir" in cfg else [])]


def ingest_params(wildcards):
    """The dataset's ingest keys, with ``frames_dir`` set to the extracted frames for videos."""
    cfg = dataset_params("ingest")(wildcards)
    if "videos_dir" in dataset_cfg(wildcards):
        return {**cfg, "frames_dir": frames_dir(wildcards)}
    return cfg
