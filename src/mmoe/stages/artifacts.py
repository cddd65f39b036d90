"""Files computed elsewhere, fetched by URL or copied from a local folder, each checked against
its SHA-256 (rules: artifacts.smk).

The config's ``artifacts`` manifest names each file by its path under ``resources/artifacts/``
(e.g. ``cdfc359/mustard_data/...``: a short commit, then the path in the source repository), with
its ``sha256``; ``url`` is a template of ``{commit}`` (the full commit of ``commits``) and
``{path}``. With ``artifacts_dir``, the files are read from that folder (same layout) and nothing
is downloaded.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from mmoe import io

CHUNK = 1 << 20


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def artifact_url(manifest: dict, name: str) -> str:
    """The download URL of artifact ``name`` (``<short commit>/<path>``)."""
    short, _, path = name.partition("/")
    if short not in manifest["commits"]:
        raise ValueError(f"artifact {name!r}: its folder {short!r} is not one of `commits`")
    return manifest["url"].format(commit=manifest["commits"][short], path=path)


def fetch_artifact(
    name: str, sha256: str, url: str, out: str | Path, local_dir: str | Path | None = None
) -> str:
    """Copy ``local_dir/name`` (when a local folder is given) or download ``url`` to ``out``,
    refusing a file whose SHA-256 is not ``sha256``; returns where it came from."""
    from mmoe.datasets.download import fetch

    if local_dir is None:
        fetch(url, out, sha256)
        return url
    source = Path(local_dir) / name
    if not source.is_file():
        raise FileNotFoundError(
            f"artifact {name!r}: no file {source} (artifacts_dir); unset artifacts_dir to "
            f"download it from {url}"
        )
    actual = sha256_of(source)
    if actual != sha256.lower():
        raise ValueError(
            f"{source}: SHA-256 {actual} does not match the manifest's {sha256}: another "
            "version of the file; refusing to use it"
        )
    with io.atomic_path(out) as tmp:
        shutil.copyfile(source, tmp)
    return str(source)
