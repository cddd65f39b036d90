# Input, params and output-path functions of the rules in ingest.smk.
from urllib.parse import urlparse

from mmoe.external import entry_path


def download_target(wildcards):
    """The file ``download`` fetches the dataset's ``url`` into (resources/{dataset}/{name})."""
    name = PurePosixPath(urlparse(dataset_cfg(wildcards)["url"]).path).name
    return f"resources/{wildcards.dataset}/{name}"


def frames_dir(wildcards):
    return f"results/{wildcards.dataset}/frames"


def ingest_source(wildcards):
    """The source (downloaded when ``path`` is missing and a ``url`` is set), then the frames
    extracted from ``videos_dir`` if any, then the ``given_split`` and ``view_files`` files.
    """
    cfg = dataset_cfg(wildcards)
    if cfg["format"] == "synthetic":
        source = f"results/{wildcards.dataset}/source"
    else:
        source = cfg.get("path")
        if "url" in cfg and not (source and Path(source).exists()):
            source = download_target(wildcards)
    frames = [frames_dir(wildcards)] if "videos_dir" in cfg else []
    views = [entry_path(v) for v in cfg.get("view_files", {}).values()]
    return {
        "source": source,
        "frames": frames,
        "given_split": given_split_files(cfg),
        "view_files": views,
    }


def given_split_files(cfg):
    """The files of the dataset's ``given_split`` (none without one)."""
    given = cfg.get("given_split")
    if given is None:
        return []
    return list(given.values()) if isinstance(given, dict) else [given]


def ingest_params(wildcards):
    """The dataset's ingest keys, with ``frames_dir`` set to the extracted frames for videos."""
    cfg = dataset_params("ingest")(wildcards)
    if "videos_dir" in dataset_cfg(wildcards):
        return {**cfg, "frames_dir": frames_dir(wildcards)}
    return cfg
