"""The model-family interface shared by experts, the single-model baseline and the fuser."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd


@dataclass
class Examples:
    """Rows handed to a family: raw views, frozen features and (for training) targets.

    ``x1``/``x2`` hold text (an image view holds its path, and ``captions`` its description when
    one was made); ``features`` maps view name to an array aligned with ``ids``; ``targets`` are
    class indices (0/1 for experts, 0..2 = R/U/S for the fuser) or None at prediction time.
    """

    ids: list[str]
    x1: list[str]
    x2: list[str]
    view_kinds: dict[str, str]
    features: dict[str, np.ndarray] = field(default_factory=dict)
    targets: np.ndarray | None = None
    captions: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def fingerprint(self) -> str:
        """SHA-256 of the rows: ids, both views, captions and targets (not the features)."""
        targets = None if self.targets is None else self.targets.tolist()
        rows = [self.ids, self.x1, self.x2, self.captions, targets]
        return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()

    def subset(self, index: np.ndarray) -> Examples:
        """The examples at positions ``index``."""
        pick = [int(i) for i in index]
        return Examples(
            ids=[self.ids[i] for i in pick],
            x1=[self.x1[i] for i in pick],
            x2=[self.x2[i] for i in pick],
            view_kinds=self.view_kinds,
            features={k: v[pick] for k, v in self.features.items()},
            targets=None if self.targets is None else self.targets[pick],
            captions={k: [v[i] for i in pick] for k, v in self.captions.items()},
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        view_kinds: dict[str, str],
        features: dict[str, np.ndarray] | None = None,
        target_column: str | None = None,
    ) -> Examples:
        """Build examples from a data table (features already aligned with its rows)."""
        return cls(
            ids=frame["id"].astype(str).tolist(),
            x1=frame["x1"].tolist(),
            x2=frame["x2"].tolist(),
            view_kinds=view_kinds,
            features=features or {},
            targets=None if target_column is None else frame[target_column].to_numpy().astype(int),
        )


class ModelFamily(Protocol):
    """A kind of model: trains on examples, saves to a folder, reloads it and writes logits.

    A family that can start training from a saved model of its own sets the class attribute
    ``supports_init_from = True`` and reads ``params["init_from"]`` (that model's folder). A
    family that reads the views' frozen features (``Examples.features``) sets
    ``reads_features = True``; the others are handed none, and their jobs do not wait for them.
    """

    name: str

    def fit(
        self,
        train: Examples,
        val: Examples,
        n_classes: int,
        out_dir: Path,
        params: dict,
        seed: int,
    ) -> dict:
        """Train with early stopping on validation F1, an epoch predicting one class chosen only
        when every epoch does (:func:`mmoe.metrics.selection_key`); save everything needed to
        reload in ``out_dir``; return a summary (best epoch, its validation F1 and prediction
        rates, history). ``targets`` may be soft (one probability row per example)."""
        ...

    def predict(self, model_dir: Path, examples: Examples, params: dict) -> np.ndarray:
        """Logits of shape (len(examples), n_classes) from the model saved in ``model_dir``."""
        ...

    def parameter_counts(self, model_dir: Path) -> dict[str, int]:
        """``total`` and ``trainable`` parameter counts of the saved model."""
        ...

    def discard_checkpoint(self, params: dict, out_dir: Path) -> None:
        """Delete the epoch checkpoints of the model saved in ``out_dir`` (trained with
        ``params``), if the family keeps any: called once the model and what was made from it
        are committed."""
        ...
