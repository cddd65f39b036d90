"""Sending a job's output to its Snakemake log file."""

from __future__ import annotations

import sys
import traceback
from contextlib import contextmanager


@contextmanager
def to_log(path: str):
    """Redirect stdout and stderr (progress bars included) to ``path`` for the block."""
    with open(path, "w", encoding="utf-8", buffering=1) as handle:
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = handle
        try:
            yield
        except BaseException:
            traceback.print_exc()
            raise
        finally:
            sys.stdout, sys.stderr = old
