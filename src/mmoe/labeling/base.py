"""The labeling backend interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

OUTPUT_COLUMNS = ("id", "p", "pred")
UNPARSED = -1


@dataclass
class ViewInput:
    """One view of a dataset, as a backend sees it.

    ``data`` is the normalised table (id, split, x1, x2, label, ...); ``view`` names the column
    (``x1`` or ``x2``) and ``kind`` its modality (``text`` or ``image``, the content being the
    image path). ``features`` holds the frozen features of that view, aligned with ``data``'s rows,
    for backends that need them; ``dataset`` names the dataset (for prompts and caches).
    """

    dataset: str
    data: pd.DataFrame
    view: str
    kind: str
    features: np.ndarray | None = None


class LabelingBackend(Protocol):
    """Turns one view into unimodal predictions for every row of every split."""

    def __init__(self, params: dict, seed: int) -> None: ...

    def label(self, view: ViewInput) -> pd.DataFrame:
        """One row per row of ``view.data`` (same order) with ``OUTPUT_COLUMNS``."""
        ...
