"""Row-level cache of model answers, keyed by (backend, model, prompt hash, content hash).

A cache is a directory of parquet part files. Finished rows are buffered and written as a new
part every ``flush_rows`` rows, each part atomically, so a killed job loses at most the
unflushed buffer and concurrent shards never write the same file. Lookups read every part and
keep the latest row per key.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pandas as pd

from mmoe.io import write_parquet
from mmoe.labeling.prompts import sha256

COLUMNS = ("key", "backend", "model", "prompt_hash", "content_hash", "text", "p", "pred")


def row_key(backend: str, model: str, prompt_hash: str, content_hash: str) -> str:
    return sha256("\x1f".join((backend, model, prompt_hash, content_hash)))


class RowCache:
    """Buffered, append-only row cache in ``directory`` (in memory only when it is None)."""

    def __init__(self, directory: str | os.PathLike | None, flush_rows: int = 100) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.flush_rows = flush_rows
        self.buffer: list[dict] = []

    def parts(self) -> list[Path]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("part-*.parquet"))

    def load(self) -> dict[str, dict]:
        """Every cached row, by key."""
        frames = []
        for part in self.parts():
            try:
                frames.append(pd.read_parquet(part))
            except FileNotFoundError:  # merged away by a concurrent compact()
                continue
        if not frames:
            return {}
        table = pd.concat(frames, ignore_index=True).drop_duplicates("key", keep="last")
        table["text"] = table["text"].astype(object).where(table["text"].notna(), None)
        return {row["key"]: row for row in table.to_dict("records")}

    def add(self, row: dict) -> None:
        self.buffer.append({column: row[column] for column in COLUMNS})
        if len(self.buffer) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows as one new part file, atomically."""
        if not self.buffer or self.directory is None:
            self.buffer.clear()
            return
        name = f"part-{time.time_ns()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.parquet"
        frame = pd.DataFrame(self.buffer, columns=list(COLUMNS)).astype({"pred": "int64"})
        write_parquet(frame, self.directory / name)
        self.buffer.clear()

    def compact(self) -> None:
        """Merge all parts into one; the merged part is written before any part is removed."""
        parts = self.parts()
        if len(parts) < 2:
            return
        self.buffer = list(self.load().values())
        self.flush()
        for part in parts:
            part.unlink(missing_ok=True)

    def __enter__(self) -> RowCache:
        return self

    def __exit__(self, *exc) -> None:
        self.flush()
