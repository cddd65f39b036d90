"""The classifier labeller's choice of C, three designs side by side on the same features in one
run: nested cross-validation with every C cold-started (the labeller of commit d6318dd), nested
with the warm-started regularisation path (``tuning: nested``), and the path with C chosen by the
cross-fit's own pooled out-of-fold log-loss (``tuning: pooled``, the default).

Usage: nice python bench/bench_labeller.py [--sizes 3000 12000 48000] [--threads 1]
           [--features ill|FILE.npy --labels FILE.npy]
By default the features are an ill-conditioned Gaussian design (384 columns, singular values
from 1 to 1e-3, like sentence embeddings) with a weak label signal; or a features file and its
0/1 labels (e.g. a view's results/<dataset>/features/x1.npy and its labels), subsampled to each
size. 80% of the rows are training rows, 20% validation rows. Prints, per size and design, the
seconds, the log-log slope against the previous size, the chosen C of the final fit, the log-loss
on the validation rows (what the design is chosen on), and against the first design the agreement
of the 0/1 labels and the largest |difference| of P(y = 1).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def ill_conditioned(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(384, 384)) * np.logspace(0, -3, 384)[:, None]
    z = rng.normal(size=(n, 384))
    labels = (0.3 * z[:, 0] + 0.2 * z[:, 5] + rng.logistic(size=n) > 0).astype(int)
    return (z @ mixing).astype(np.float32), labels


class ColdPath:
    """Every C of the grid fit from zero (the labeller before the path)."""

    def __init__(self, grid, seed):
        self.grid, self.seed = grid, seed

    def fit(self, x, y):
        from mmoe.labeling.classifier import make_logistic

        self.models_ = [make_logistic(c, self.seed)().fit(x, y) for c in self.grid]
        return self

    def predict_proba(self, x):
        return np.column_stack([m.predict_proba(x)[:, 1] for m in self.models_])


def nested(features, labels, is_train, path_class, seed=0, folds=5):
    """P(y = 1) and the C of the final fit, C chosen by nested CV over ``path_class``."""
    from mmoe.labeling.classifier import C_GRID, TunedLogistic, cross_fit_proba, make_logistic

    made = []

    def tuned():
        made.append(
            TunedLogistic(
                C_GRID,
                folds,
                seed,
                lambda: path_class(C_GRID, seed),
                lambda c: make_logistic(c, seed)(),
            )
        )
        return made[-1]

    proba, _ = cross_fit_proba(features, labels, is_train, folds, seed, tuned)
    return proba, made[-1].c_  # the last fit: all training rows, for the other rows


def pooled(features, labels, is_train, seed=0, folds=5):
    from mmoe.labeling.classifier import C_GRID, pooled_proba

    proba, _, c = pooled_proba(features, labels, is_train, folds, seed, C_GRID)
    return proba, c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 12000, 48000])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--features", default="ill")
    parser.add_argument("--labels")
    parser.add_argument("--skip", nargs="*", default=[], help="designs not run (e.g. nested-cold)")
    args = parser.parse_args()
    if args.features != "ill" and not args.labels:
        parser.error("--features FILE needs --labels FILE")
    from threadpoolctl import threadpool_limits

    from mmoe.labeling.classifier import LogisticPath, log_loss

    designs = {
        "nested-cold": lambda x, y, t: nested(x, y, t, ColdPath),
        "nested-path": lambda x, y, t: nested(x, y, t, LogisticPath),
        "pooled-path": pooled,
    }
    designs = {k: v for k, v in designs.items() if k not in args.skip}
    if args.features != "ill":
        given, given_labels = np.load(args.features), np.load(args.labels).astype(int)
        order = np.random.default_rng(0).permutation(len(given_labels))
    previous = {}
    print("rows  design  seconds  slope  C  val_log_loss  | agreement  max|dp|")
    for n in args.sizes:
        if args.features == "ill":
            x, y = ill_conditioned(n)
        else:
            x, y = given[order[:n]], given_labels[order[:n]]
        is_train = np.arange(n) < int(0.8 * n)
        reference = None
        for name, design in designs.items():
            with threadpool_limits(args.threads):
                start = time.perf_counter()
                proba, c = design(x, y, is_train)
                seconds = time.perf_counter() - start
            reference = proba if reference is None else reference
            agree = 100 * np.mean((reference >= 0.5) == (proba >= 0.5))
            diff = np.abs(reference - proba).max()
            val = log_loss(y[~is_train], proba[~is_train])
            slope = ""
            if name in previous:
                slope = f"{np.log(seconds / previous[name][1]) / np.log(n / previous[name][0]):.2f}"
            previous[name] = (n, seconds)
            row = f"{n}  {name}  {seconds:.1f}  {slope}  {c:g}  {val:.4f}"
            print(f"{row}  | {agree:.2f}%  {diff:.2e}", flush=True)


if __name__ == "__main__":
    main()
