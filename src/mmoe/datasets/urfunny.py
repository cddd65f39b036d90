"""UR-FUNNY adapter: the punchline (x1) and its context sentences (x2).

``path`` holds the release's pickles: ``data_folds.pkl`` (``{"train"|"dev"|"test": [id, ...]}``;
``dev`` is the validation split),
``language_sdk.pkl`` (``{id: {"punchline_sentence", "context_sentences"}}``) and
``humor_label_sdk.pkl`` (``{id: 0/1}``). They are read with an unpickler that builds only plain
containers and numpy scalars, so a pickle cannot run code.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd

from mmoe.datasets.sources import normalise_splits

FILES = ("data_folds.pkl", "language_sdk.pkl", "humor_label_sdk.pkl")
ALLOWED = {
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
}


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not plain data")


def _load(path: Path) -> dict:
    with open(path, "rb") as handle:
        try:
            data = _PlainUnpickler(handle).load()
        except (pickle.UnpicklingError, EOFError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a dict, got {type(data).__name__}")
    return data


def _row(key: object, split: str, entry: object, label: object) -> dict:
    entry = entry if isinstance(entry, dict) else None
    context = (entry or {}).get("context_sentences")
    plain = isinstance(context, list) and all(isinstance(s, str) for s in context)
    problem = (
        "no language entry"
        if entry is None
        else ("" if plain else f"context is not a list of strings: {context!r:.60}")
    )
    return {
        "id": str(key),
        "split": split,
        "x1": (entry or {}).get("punchline_sentence"),
        "x2": "\n".join(context) if plain else None,
        "label": label,
        "source_problem": problem,
    }


def load_urfunny(path: str | Path) -> pd.DataFrame:
    """Read the three pickles into the normalised table (not yet validated)."""
    folds, language, labels = (_load(Path(path) / name) for name in FILES)
    frame = pd.DataFrame(
        [
            _row(key, split, language.get(key), labels.get(key))
            for split, ids in folds.items()
            for key in ids
        ]
    )
    frame["split"] = normalise_splits(frame["split"], Path(path) / FILES[0])
    return frame
