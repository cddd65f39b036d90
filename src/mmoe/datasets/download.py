"""Fetch a public source file and verify its SHA-256 before keeping it."""

from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from mmoe import io

CHUNK = 1 << 20


def fetch(url: str, dest: str | Path, sha256: str, timeout: float = 60) -> Path:
    """Download ``url`` to ``dest``; on a SHA-256 mismatch raise and write nothing."""
    if urlparse(url).scheme not in ("http", "https"):
        raise ValueError(f"{url}: only http(s) URLs are fetched")
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as response, io.atomic_path(dest) as tmp:
        with open(tmp, "wb") as out:
            while chunk := response.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256.lower():
            raise ValueError(
                f"{url}: SHA-256 {digest.hexdigest()} does not match the configured {sha256}; "
                f"refusing to use it"
            )
    return Path(dest)
