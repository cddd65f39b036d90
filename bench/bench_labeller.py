"""The classifier labeller's nested C selection: every C cold-started (before) against the
warm-started regularisation path (:class:`mmoe.labeling.classifier.LogisticPath`), side by side
on the same features in one run.

Usage: nice python bench/bench_labeller.py [--sizes 3000 12000 48000] [--threads 1]
           [--features ill|FILE.npy --labels FILE.npy]
By default the features are an ill-conditioned Gaussian design (384 columns, singular values
from 1 to 1e-3, like sentence embeddings) with a weak label signal; or a features file and its
0/1 labels (e.g. a view's results/<dataset>/features/x1.npy and its labels), subsampled to each
size. 80% of the rows are training rows, as in a split. Prints, per size and variant, the
seconds, the log-log slope against the previous size, the chosen C of the final fit, and the
agreement of the 0/1 labels and the largest |difference| of P(y = 1) between the variants.
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


def run(features, labels, path_class, seed=0, folds=5):
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

    is_train = np.arange(len(labels)) < int(0.8 * len(labels))
    start = time.perf_counter()
    proba, _ = cross_fit_proba(features, labels, is_train, folds, seed, tuned)
    seconds = time.perf_counter() - start
    return proba, seconds, made[-1].c_  # the last fit: all training rows, for the other rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 12000, 48000])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--features", default="ill")
    parser.add_argument("--labels")
    args = parser.parse_args()
    if args.features != "ill" and not args.labels:
        parser.error("--features FILE needs --labels FILE")
    from threadpoolctl import threadpool_limits

    from mmoe.labeling.classifier import LogisticPath

    if args.features != "ill":
        given, given_labels = np.load(args.features), np.load(args.labels).astype(int)
        order = np.random.default_rng(0).permutation(len(given_labels))
    previous = {}
    print("rows  variant  seconds  slope  C  | agreement  max|dp|")
    for n in args.sizes:
        if args.features == "ill":
            x, y = ill_conditioned(n)
        else:
            x, y = given[order[:n]], given_labels[order[:n]]
        out = {}
        with threadpool_limits(args.threads):
            for name, path_class in (("cold", ColdPath), ("path", LogisticPath)):
                out[name] = run(x, y, path_class)
        agree = 100 * np.mean((out["cold"][0] >= 0.5) == (out["path"][0] >= 0.5))
        diff = np.abs(out["cold"][0] - out["path"][0]).max()
        for name, (_, seconds, c) in out.items():
            slope = ""
            if name in previous:
                slope = f"{np.log(seconds / previous[name][1]) / np.log(n / previous[name][0]):.2f}"
            previous[name] = (n, seconds)
            print(
                f"{n}  {name}  {seconds:.1f}  {slope}  {c:g}  | {agree:.2f}%  {diff:.2e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
