"""Pooling several datasets' examples for multitask experts (paper RQ4).

Datasets in a group can differ in what their views are (MUStARD: text + text; the synthetic
set: image + text). Features are pooled in a *kind-typed layout*: each view position gets one
block per view kind present there across the group (text blocks hold the shared MiniLM space,
image blocks the image descriptor), and a row fills the block of its own kind with zeros
elsewhere. Views of one kind share a block, so the expert can transfer between datasets where
their views mean the same thing. Text-only families see an image view as its caption; a view
that is text in one dataset and an uncaptioned image in another is marked ``mixed``, which
feature-based families accept and text families reject with a clear error.
"""

from __future__ import annotations

import numpy as np

from mmoe.families.base import Examples

VIEWS = ("x1", "x2")
MIXED = "mixed"
SEPARATOR = ":"  # pooled ids are "<dataset>:<id>"


def feature_layout(parts: dict[str, Examples]) -> dict[str, list[tuple[str, int]]]:
    """Per view, the (kind, width) blocks of the pooled feature space, in sorted kind order.

    Raises ValueError naming the datasets when one kind has features of different widths.
    """
    layout = {}
    for view in VIEWS:
        widths: dict[str, dict[str, int]] = {}
        for name, part in parts.items():
            kind = part.view_kinds[view]
            widths.setdefault(kind, {})[name] = part.features[view].shape[1]
        for kind, by_dataset in widths.items():
            if len(set(by_dataset.values())) > 1:
                raise ValueError(
                    f"multitask: {kind} features of view {view} have different widths "
                    f"{by_dataset}; pooled datasets need the same encoder per view kind"
                )
        layout[view] = [(kind, next(iter(widths[kind].values()))) for kind in sorted(widths)]
    return layout


def place_features(part: Examples, layout: dict[str, list[tuple[str, int]]]) -> dict:
    """``part``'s features in the pooled layout: its own kind's block filled, zeros elsewhere."""
    placed = {}
    for view, blocks in layout.items():
        own = part.features[view]
        columns = [
            own if kind == part.view_kinds[view] else np.zeros((len(part), width))
            for kind, width in blocks
        ]
        placed[view] = np.concatenate(columns, axis=1)
    return placed


def pooled_kinds(parts: dict[str, Examples]) -> dict[str, str]:
    """Pooled view kinds: the common one, ``text`` when every image is captioned, else mixed."""
    kinds = {}
    for view in VIEWS:
        seen = {part.view_kinds[view] for part in parts.values()}
        if len(seen) == 1:
            kinds[view] = seen.pop()
        elif all(p.view_kinds[view] != "image" or view in p.captions for p in parts.values()):
            kinds[view] = "text"
        else:
            kinds[view] = MIXED
    return kinds


def _as_kinds(part: Examples, kinds: dict[str, str]) -> dict[str, list[str]]:
    """``part``'s raw views as the pooled kinds see them (captions where an image became text)."""
    views = {"x1": part.x1, "x2": part.x2}
    return {
        view: part.captions[view]
        if kinds[view] == "text" and part.view_kinds[view] == "image"
        else views[view]
        for view in VIEWS
    }


def pool(parts: dict[str, Examples], group: dict[str, Examples] | None = None) -> Examples:
    """One Examples holding every part, ids prefixed with their dataset, with the feature layout
    and view kinds of ``group`` (all of the group's datasets; by default ``parts`` itself), so
    that one member alone is laid out as in training. Parts without features (a family that
    reads the raw views) pool without them."""
    if not parts:
        raise ValueError("multitask: nothing to pool")
    group = group or parts
    kinds = pooled_kinds(group)
    views = {name: _as_kinds(part, kinds) for name, part in parts.items()}
    features = {}
    if any(part.features for part in group.values()):
        layout = feature_layout(group)
        placed = [place_features(part, layout) for part in parts.values()]
        features = {v: np.concatenate([p[v] for p in placed]) for v in VIEWS}
    targets = [part.targets for part in parts.values()]
    captions = {
        view: [c for part in parts.values() for c in part.captions[view]]
        for view in VIEWS
        if kinds[view] == "image" and all(view in p.captions for p in parts.values())
    }
    return Examples(
        ids=[f"{name}{SEPARATOR}{i}" for name, part in parts.items() for i in part.ids],
        x1=[x for name in parts for x in views[name]["x1"]],
        x2=[x for name in parts for x in views[name]["x2"]],
        view_kinds=kinds,
        features=features,
        targets=None if any(t is None for t in targets) else np.concatenate(targets),
        captions=captions,
    )
