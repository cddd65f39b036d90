"""Benchmark mmoe.decomposition against a cvxpy form of the thesis' CVX estimator (eqs. 3.4-3.5).

Usage: python bench/bench_pid.py  (random Dirichlet joints, |X1| = |X2| in {8, 16, 32, 64}, |Y| = 2)
"""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np
from threadpoolctl import threadpool_limits

from mmoe.decomposition import KEYS, pid, pid_from_coupling

SIZES = (8, 16, 32, 64)
N_Y = 2
REPEATS = {8: (10, 3), 16: (10, 3), 32: (5, 2), 64: (3, 1)}  # (ours, cvxpy): best-of
SEED = 0
HEADER = f"{'|X|':>4} {'ours_s':>9} {'cvxpy_s':>9} {'speedup':>8} {'max|diff| bits':>15}  R U1 U2 S"


def cvx_coupling(p: np.ndarray) -> np.ndarray:
    """Reference q*: minimise KL(q || q(x1, x2) / |Y|) over Delta_p with cvxpy's default solver."""
    n1, n2, ny = p.shape
    qs = [cp.Variable((n1, n2), nonneg=True) for _ in range(ny)]
    q12 = sum(qs) / ny
    objective = sum(cp.sum(cp.rel_entr(q, q12)) for q in qs)
    constraints = [c for k, q in enumerate(qs) for c in marginal_constraints(q, p[:, :, k])]
    cp.Problem(cp.Minimize(objective), constraints).solve()
    return np.stack([q.value for q in qs], axis=2)


def marginal_constraints(q: cp.Variable, pk: np.ndarray) -> list:
    """q(x1, y=k) and q(x2, y=k) must equal those of p."""
    return [cp.sum(q, axis=1) == pk.sum(1), cp.sum(q, axis=0) == pk.sum(0)]


def cvx_pid(p: np.ndarray) -> dict:
    """PID from the cvxpy coupling (identities checked to the solver's 1e-4-bit accuracy)."""
    return pid_from_coupling(p, cvx_coupling(p), tol=1e-4)


def best_time(fn, p: np.ndarray, repeats: int) -> tuple[float, np.ndarray]:
    """Fastest wall time over ``repeats`` calls, and the last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(p)
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    """Print one row per size; BLAS is pinned to one thread for both solvers (small systems)."""
    with threadpool_limits(limits=1, user_api="blas"):
        run()


def run() -> None:
    rng = np.random.default_rng(SEED)
    print(HEADER)
    for n in SIZES:
        p = rng.dirichlet(np.ones(n * n * N_Y)).reshape(n, n, N_Y)
        t_ours, ours = best_time(pid, p, REPEATS[n][0])
        t_cvx, ref = best_time(cvx_pid, p, REPEATS[n][1])
        diff = max(abs(ours[k] - ref[k]) for k in KEYS)
        vals = " ".join(f"{ours[k]:.4f}" for k in KEYS)
        print(f"{n:>4} {t_ours:>9.4f} {t_cvx:>9.3f} {t_cvx / t_ours:>7.0f}x {diff:>15.2e}  {vals}")


if __name__ == "__main__":
    main()
