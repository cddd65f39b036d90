"""``mlp``: a small torch MLP on the concatenated frozen features of both views.

Feature blocks beyond the two views (e.g. the fuser's unimodal probabilities ``p``) are appended
in name order. With ``init_from`` (a saved ``mlp`` folder) training starts from that model's
weights and input standardisation, and its untouched weights are the first model-selection
candidate (epoch -1), so fine-tuning never ends worse on validation than where it started.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from tqdm import tqdm

from mmoe.families.adam import Adam
from mmoe.families.base import Examples
from mmoe.families.early_stopping import (
    new_selection,
    patience_spent,
    select_epoch,
    selection_summary,
)
from mmoe.families.losses import loss_function, target_tensor
from mmoe.io import atomic_path

DEFAULTS = {
    "hidden": 128,
    "dropout": 0.1,
    "lr": 1e-3,
    "weight_decay": 1e-4,
    "batch_size": 64,
    "epochs": 60,
    "patience": 8,
}


def _inputs(examples: Examples) -> np.ndarray:
    extra = sorted(set(examples.features) - {"x1", "x2"})
    return np.concatenate([examples.features[k] for k in ("x1", "x2", *extra)], axis=1)


def _network(n_in: int, hidden: int, n_classes: int, dropout: float):
    import torch.nn as nn

    return nn.Sequential(
        nn.Linear(n_in, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, n_classes)
    )


class MLPFamily:
    """Trains with Adam (:mod:`mmoe.families.adam`) on the loss of :mod:`mmoe.families.losses`,
    early-stopped on validation F1, one-class epochs ranked last
    (:func:`mmoe.metrics.selection_key`); saves ``model.pt``."""

    name = "mlp"
    supports_init_from = True  # params["init_from"]: start from a saved mlp (the shared start)
    reads_features = True  # the views' frozen features are its input

    def fit(
        self, train: Examples, val: Examples, n_classes: int, out_dir: Path, params: dict, seed: int
    ) -> dict:
        import torch

        hp = {**DEFAULTS, **params}
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        x_train, x_val = _inputs(train), _inputs(val)
        if hp.get("init_from"):
            net, source = self._load(hp["init_from"])
            hp.update(hidden=source["hidden"], dropout=source["dropout"])
            mean, std = source["mean"], source["std"]
            if source["n_in"] != x_train.shape[1] or source["n_classes"] != n_classes:
                raise ValueError(f"init_from {hp['init_from']}: model shape does not match")
        else:
            mean, std = x_train.mean(0), x_train.std(0) + 1e-6
            net = _network(x_train.shape[1], hp["hidden"], n_classes, hp["dropout"])
        xt = torch.tensor((x_train - mean) / std, dtype=torch.float32)
        yt = target_tensor(train.targets)
        xv = torch.tensor((x_val - mean) / std, dtype=torch.float32)
        optimiser = Adam(net.parameters(), lr=hp["lr"], weight_decay=hp["weight_decay"])
        loss_fn = loss_function(hp, train.targets, n_classes)
        selection, history = new_selection(), []

        def validate(epoch: int) -> None:
            net.eval()
            with torch.no_grad():
                predicted = net(xv).argmax(1).numpy()
            snapshot = partial(_copy_state, net)
            record = select_epoch(selection, epoch, val.targets, predicted, n_classes, snapshot)
            history.append({"epoch": epoch, **record})

        if hp.get("init_from"):
            validate(-1)
        for epoch in tqdm(range(hp["epochs"]), desc="mlp epochs", unit="epoch"):
            net.train()
            order = rng.permutation(len(xt))
            for start in range(0, len(order), hp["batch_size"]):
                batch = torch.as_tensor(order[start : start + hp["batch_size"]])
                optimiser.zero_grad()
                loss_fn(net(xt[batch]), yt[batch]).backward()
                optimiser.step()
            validate(epoch)
            if patience_spent(selection, epoch, hp["patience"]):
                break
        checkpoint = {
            "state": selection["best"],
            "mean": mean,
            "std": std,
            "n_in": x_train.shape[1],
            "hidden": hp["hidden"],
            "dropout": hp["dropout"],
            "n_classes": n_classes,
        }
        with atomic_path(Path(out_dir) / "model.pt") as tmp:
            torch.save(checkpoint, tmp)
        return selection_summary(selection, history)

    def _load(self, model_dir: Path):
        import torch

        checkpoint = torch.load(Path(model_dir) / "model.pt", weights_only=False)
        net = _network(
            checkpoint["n_in"], checkpoint["hidden"], checkpoint["n_classes"], checkpoint["dropout"]
        )
        net.load_state_dict(checkpoint["state"])
        return net.eval(), checkpoint

    def predict(self, model_dir: Path, examples: Examples, params: dict) -> np.ndarray:
        import torch

        net, checkpoint = self._load(model_dir)
        x = (_inputs(examples) - checkpoint["mean"]) / checkpoint["std"]
        with torch.no_grad():
            return net(torch.tensor(x, dtype=torch.float32)).numpy()

    def parameter_counts(self, model_dir: Path) -> dict[str, int]:
        net, _ = self._load(model_dir)
        total = sum(p.numel() for p in net.parameters())
        return {"total": total, "trainable": total}

    def discard_checkpoint(self, params: dict, out_dir: Path) -> None:
        """The MLP trains in seconds and keeps no epoch checkpoints."""


def _copy_state(net) -> dict:
    return {k: v.detach().clone() for k, v in net.state_dict().items()}
