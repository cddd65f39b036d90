"""Dataset-level partial information decomposition (PID) of Bertschinger et al. (2014).

For a discrete joint p(x1, x2, y) the decomposition is read off the coupling

    q* = argmax_{q in Delta_p} H_q(Y | X1, X2),

where Delta_p holds the joints with the same (x1, y) and (x2, y) marginals as p (the CVX
estimator of the thesis, section 3.2.1). Because q(y) is fixed on Delta_p, q* equivalently
minimises I_q(X1, X2; Y); this module solves that program with its own interior-point method
(:func:`max_entropy_coupling`). Continuous features are first discretised with k-means.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, lstsq
from threadpoolctl import ThreadpoolController

KEYS = ("R", "U1", "U2", "S")
IDENTITY_TOL = 1e-6  # bits
SUM_TOL = 1e-6
KMEANS_N_INIT = 10

_MU_FINAL_GAP = 1e-6  # nats: barrier duality gap (mu * #variables) at which the solver stops
_MU_STEP = 30.0  # barrier parameter shrink factor once centred
_MAX_ITER = 300  # Newton steps in all
_KAPPA = 1e10  # safeguard: z stays within [mu / (KAPPA q), KAPPA mu / q]
_CENTRE_TOL = 0.1  # centred once the Newton decrement is below this fraction of the gap
_MU_START = 1e-1  # barrier gap of the first centring stage (nats)


def validate_joint(p: np.ndarray) -> np.ndarray:
    """Return ``p`` as a float array after checking it is a 3-D probability tensor."""
    p = np.asarray(p, dtype=float)
    if p.ndim != 3:
        raise ValueError(f"joint must be 3-D (|X1|, |X2|, |Y|), got shape {p.shape}")
    if p.size == 0:
        raise ValueError("joint must not be empty")
    if not np.all(np.isfinite(p)):
        raise ValueError("joint must be finite")
    if np.any(p < 0):
        raise ValueError("joint must be non-negative")
    total = p.sum()
    if abs(total - 1.0) > SUM_TOL:
        raise ValueError(f"joint must sum to 1 (within {SUM_TOL}), got {total}")
    return p / total


def _entropy(p: np.ndarray) -> float:
    """Shannon entropy in bits of the distribution ``p`` (any shape), with 0 log 0 = 0."""
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def _info_terms(q: np.ndarray) -> dict[str, float]:
    """Mutual informations (bits) of a joint q(x1, x2, y) used by the decomposition."""
    h = _entropy
    h12y, h12 = h(q), h(q.sum(2))
    h1y, h2y = h(q.sum(1)), h(q.sum(0))
    h1, h2, hy = h(q.sum((1, 2))), h(q.sum((0, 2))), h(q.sum((0, 1)))
    return {
        "I_total": h12 + hy - h12y,
        "I_x1": h1 + hy - h1y,
        "I_x2": h2 + hy - h2y,
        "I_x1_given_x2": h12 + h2y - h12y - h2,
        "I_x2_given_x1": h12 + h1y - h12y - h1,
    }


class _Barrier:
    """Primal-dual log-barrier Newton solver for min_q I_q(X1, X2; Y) over Delta_p.

    Arrays are laid out as (|Y|, |X1|, |X2|) so that every marginal is a sum over a contiguous
    axis (numpy reduces a short trailing axis an order of magnitude slower). Variables are the
    cells q[k, i, j] with p(x1=i, y=k) > 0 and p(x2=j, y=k) > 0; every other cell is zero on
    Delta_p and held there by a zero inverse curvature. The objective f(q) = sum q log q(y|x1,x2)
    has a Hessian that is block diagonal over (i, j) (rank-one corrected diagonal), so each Newton
    step reduces to a small positive-definite system in the marginal multipliers.
    """

    def __init__(self, p: np.ndarray):
        p = np.ascontiguousarray(p.transpose(2, 0, 1))
        ny, n1, n2 = self.shape = p.shape
        self.a, self.b = p.sum(2), p.sum(1)  # p(y, x1), p(y, x2)
        active = (self.a[:, :, None] > 0) & (self.b[:, None, :] > 0)
        self.on = active.astype(float)
        self.off = 1.0 - self.on  # added to q wherever a log or a division needs a safe value
        self.pair_off = (~active.any(0)).astype(float)
        self.n_var = int(active.sum())
        keep_b = self.b > 0
        # One beta row per label is redundant (both marginals sum to p(y)): drop it.
        keep_b[np.arange(ny), np.argmax(keep_b, axis=1)] = False
        self.kept = np.concatenate([(self.a > 0).ravel(), keep_b.ravel()]).astype(float)
        self.dropped = np.flatnonzero(self.kept == 0)
        self._na = ny * n1
        self._diag_a = _block_diagonal_index(ny, n1, offset=0)
        self._diag_b = _block_diagonal_index(ny, n2, offset=self._na)
        self._kkt = np.zeros((self._na + ny * n2,) * 2)
        py = self.a.sum(1)[:, None, None]
        self.q0 = self.on * self.a[:, :, None] * self.b[:, None, :] / np.where(py > 0, py, 1.0)

    def phi(self, q: np.ndarray, mu: float) -> float:
        """Barrier objective f(q) - mu * sum log q over the active cells (nats)."""
        qs = q + self.off
        return float((q * np.log(qs / (q.sum(0) + self.pair_off))).sum() - mu * np.log(qs).sum())

    def newton(self, q: np.ndarray, z: np.ndarray):
        """Return ``direction(mu) -> (d, -g.d)``: Newton steps at ``q`` for any barrier weight mu.

        The barrier curvature mu / q^2 is replaced by z / q (z: the dual estimate of mu / q), which
        keeps steps long after mu shrinks, and makes the KKT matrix independent of mu (factorised
        once per point). The direction also cancels any marginal residual, so round-off cannot
        drift q off Delta_p.
        """
        ny, n1, n2 = self.shape
        qs = q + self.off
        logc = np.log(qs / (q.sum(0) + self.pair_off)) * self.on  # grad of f
        inv_q = self.on / qs
        dinv = q / (1.0 + z)  # inverse of the diagonal (1 + z) / q; zero on inactive cells
        # Sherman-Morrison for the -11^T / q(x1, x2) term; 1 - sum(dinv) / q(x1, x2) is written
        # as sum(dinv z) / q(x1, x2) to avoid cancellation when z << 1.
        dc = dinv / ((dinv * z).sum(0) + self.pair_off)
        resid = np.concatenate([(self.a - q.sum(2)).ravel(), (self.b - q.sum(1)).ravel()])
        solve = self._factorise(dinv, dc)

        def hinv(v: np.ndarray) -> np.ndarray:
            dv = dinv * v
            return dv + dc * dv.sum(0)

        def direction(mu: float) -> tuple[np.ndarray, float]:
            g = logc - mu * inv_q
            hg = hinv(g)
            lam = solve(-np.concatenate([hg.sum(2).ravel(), hg.sum(1).ravel()]) - resid)
            alpha, beta = lam[: self._na].reshape(ny, n1), lam[self._na :].reshape(ny, n2)
            d = -hinv(g + alpha[:, :, None] + beta[:, None, :])
            return d, float(-(g * d).sum())

        return direction

    def _factorise(self, dinv: np.ndarray, dc: np.ndarray):
        """Cholesky of A H^-1 A^T, dropped rows pinned to zero; returns ``rhs -> multipliers``."""
        na, dropped = self._na, self.dropped
        h = dc[:, None] * dinv[None, :]  # H^-1 blocks, (|Y|, |Y|, |X1|, |X2|)
        diag = np.arange(self.shape[0])
        h[diag, diag] += dinv
        kkt = self._kkt
        kkt[:na, na:] = h.transpose(0, 2, 1, 3).reshape(na, -1)
        kkt[na:, :na] = kkt[:na, na:].T
        kkt[self._diag_a] = h.sum(3).ravel()  # x1 rows only meet the same x1
        kkt[self._diag_b] = h.sum(2).ravel()
        kkt[dropped, :] = 0.0
        kkt[:, dropped] = 0.0
        kkt[dropped, dropped] = 1.0
        s = 1.0 / np.sqrt(np.diag(kkt))  # Jacobi scaling: entries span many decades
        m = kkt * s[:, None] * s[None, :]
        try:
            factor = cho_factor(m, check_finite=False)
        except LinAlgError:
            factor = None

        def solve(rhs: np.ndarray) -> np.ndarray:
            r = s * self.kept * rhs
            return s * (cho_solve(factor, r, check_finite=False) if factor else lstsq(m, r)[0])

        return solve

    def solve(self) -> np.ndarray:
        """Follow the central path from the product coupling down to a duality gap of 1e-6 nats.

        Returns q* in the caller's (|X1|, |X2|, |Y|) layout.
        """
        on, q = self.on, self.q0.copy()
        if self.n_var == 0:
            return q.transpose(1, 2, 0)
        mu, mu_end = _MU_START / self.n_var, _MU_FINAL_GAP / self.n_var
        z = mu / (q + self.off) * on
        for _ in range(_MAX_ITER):
            direction = self.newton(q, z)
            d, dec = direction(mu)
            while dec / 2 <= _CENTRE_TOL * mu * self.n_var and mu > mu_end:
                mu = max(mu / _MU_STEP, mu_end)  # centred: shrink mu
                d, dec = direction(mu)
            if dec / 2 <= _CENTRE_TOL * mu * self.n_var:
                break
            if not np.isfinite(dec):
                raise FloatingPointError("PID solver produced a non-finite Newton step")
            t = self._line_search(q, d, dec, mu)
            if t == 0.0:  # no progress possible at this precision
                break
            qs = q + self.off
            dz = (mu / qs - z - z * d / qs) * on
            z = z + 0.99 * _max_step(z, dz) * dz
            q = q + t * d
            qs = q + self.off
            z = np.clip(z, mu / (_KAPPA * qs), _KAPPA * mu / qs) * on
        else:
            raise RuntimeError(f"PID solver did not converge in {_MAX_ITER} Newton steps")
        return self._polish(q).transpose(1, 2, 0)

    def _line_search(self, q: np.ndarray, d: np.ndarray, dec: float, mu: float) -> float:
        """Armijo backtracking on the barrier objective within 99% of the step to the boundary."""
        t = 0.99 * _max_step(q, d)
        f0 = self.phi(q, mu)
        while self.phi(q + t * d, mu) > f0 - 0.25 * t * dec:
            t /= 2
            if t < 1e-10:
                return 0.0
        return t

    def _polish(self, q: np.ndarray, max_iter: int = 100) -> np.ndarray:
        """Shrink round-off marginal residuals below 1e-12 by iterative proportional fitting."""
        a, b = self.a[:, :, None], self.b[:, None, :]
        for _ in range(max_iter):
            qa, qb = q.sum(2, keepdims=True), q.sum(1, keepdims=True)
            if max(np.abs(qa - a).max(), np.abs(qb - b).max()) < 1e-12:
                break
            q = q * np.where(a > 0, a / np.where(a > 0, qa, 1.0), 0.0)
            q = q * np.where(b > 0, b / np.where(b > 0, q.sum(1, keepdims=True), 1.0), 0.0)
        return q


def _block_diagonal_index(size: int, n: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat (row, col) indices of the entries (r * n + i, c * n + i): n interleaved blocks."""
    r, c, i = np.indices((size, size, n))
    return (offset + r * n + i).ravel(), (offset + c * n + i).ravel()


def _max_step(x: np.ndarray, dx: np.ndarray) -> float:
    """Largest step in [0, 1] keeping x + step * dx >= 0."""
    neg = dx < 0
    return min(1.0, float((x[neg] / -dx[neg]).min())) if neg.any() else 1.0


def max_entropy_coupling(p: np.ndarray) -> np.ndarray:
    """q* = argmax_{q in Delta_p} H_q(Y | X1, X2) for a joint ``p`` of shape (|X1|, |X2|, |Y|)."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        return _Barrier(validate_joint(p)).solve()


@cache
def _blas_controller() -> ThreadpoolController:
    """BLAS thread control: the solver's small systems only lose from threads (contention)."""
    return ThreadpoolController()


def pid_from_coupling(p: np.ndarray, q: np.ndarray, tol: float = IDENTITY_TOL) -> dict:
    """PID of ``p`` in bits from an optimal coupling ``q`` of Delta_p (thesis eqs. 3.1-3.3).

    R = CoI_q(X1; X2; Y), U1 = I_q(X1; Y | X2), U2 = I_q(X2; Y | X1),
    S = I_p(X1, X2; Y) - I_q(X1, X2; Y). Raises ValueError if R + U1 = I(X1; Y),
    R + U2 = I(X2; Y) or R + U1 + U2 + S = I(X1, X2; Y) fails by more than ``tol`` bits
    (i.e. q does not match the marginals of p). Round-off below ``tol`` is clipped to 0.
    """
    p = validate_joint(p)
    ip, iq = _info_terms(p), _info_terms(np.clip(q, 0.0, None))
    out = {
        "R": iq["I_x1"] - iq["I_x1_given_x2"],
        "U1": iq["I_x1_given_x2"],
        "U2": iq["I_x2_given_x1"],
        "S": ip["I_total"] - iq["I_total"],
        "I_total": ip["I_total"],
        "I_x1": ip["I_x1"],
        "I_x2": ip["I_x2"],
    }
    checks = {
        "R+U1=I(X1;Y)": out["R"] + out["U1"] - out["I_x1"],
        "R+U2=I(X2;Y)": out["R"] + out["U2"] - out["I_x2"],
        "R+U1+U2+S=I(X1,X2;Y)": sum(out[k] for k in KEYS) - out["I_total"],
    }
    bad = {name: err for name, err in checks.items() if abs(err) > tol}
    if bad or any(out[k] < -tol for k in KEYS):
        raise ValueError(f"PID consistency check failed (tol {tol} bits): {bad or out}")
    return out | {k: max(out[k], 0.0) for k in KEYS}


def pid(p: np.ndarray) -> dict:
    """Exact PID (bits) of a discrete joint p(x1, x2, y) given as an (|X1|, |X2|, |Y|) array.

    Returns R, U1, U2, S, I_total = I(X1, X2; Y), I_x1 = I(X1; Y) and I_x2 = I(X2; Y).
    """
    p = validate_joint(p)
    return pid_from_coupling(p, max_entropy_coupling(p))


def joint_from_samples(x1_codes, x2_codes, y) -> np.ndarray:
    """Empirical joint p(x1, x2, y) from three equal-length arrays of non-negative integer codes."""
    cols = [np.asarray(c) for c in (x1_codes, x2_codes, y)]
    if any(c.ndim != 1 for c in cols) or len({c.size for c in cols}) != 1 or cols[0].size == 0:
        raise ValueError("codes must be non-empty 1-D arrays of equal length")
    if any(not np.issubdtype(c.dtype, np.integer) for c in cols):
        raise ValueError("codes must be integer arrays")
    if any(c.min() < 0 for c in cols):
        raise ValueError("codes must be non-negative")
    shape = tuple(int(c.max()) + 1 for c in cols)
    counts = np.bincount(np.ravel_multi_index(cols, shape), minlength=int(np.prod(shape)))
    return counts.reshape(shape) / cols[0].size


def default_k(n_rows: int) -> int:
    """Clusters per modality: round(n ** (1/3)) clamped to [2, 20].

    The cube-root rule (thesis section 3.2.1, after Rice) makes the number of bins grow
    sub-linearly; with k1 = k2 = n^(1/3) each (x1, x2) cell still expects n^(1/3) samples, which
    keeps the plug-in estimate of the joint from degenerating. The cap of 20 bounds solver cost.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be positive, got {n_rows}")
    return int(min(max(round(n_rows ** (1 / 3)), 2), 20))


def discretise(features: np.ndarray, k: int, seed: int) -> np.ndarray:
    """K-means cluster ids (0..k-1) of the rows of ``features`` (shape (n,) or (n, d))."""
    x = np.asarray(features, dtype=float)
    x = x.reshape(-1, 1) if x.ndim == 1 else x
    if x.ndim != 2 or not np.all(np.isfinite(x)):
        raise ValueError("features must be a finite 1-D or 2-D array")
    if not 1 <= k <= x.shape[0]:
        raise ValueError(f"k must be in [1, n_rows={x.shape[0]}], got {k}")
    from sklearn.cluster import KMeans  # imported here: the PID job itself needs no sklearn

    # elkan: Lloyd's iterations with distances bounded by the triangle inequality (the same
    # clusters, fewer distance computations)
    km = KMeans(n_clusters=k, random_state=seed, n_init=KMEANS_N_INIT, algorithm="elkan")
    return km.fit_predict(x).astype(np.int64)


def codes_pid(x1_codes, x2_codes, labels) -> dict:
    """PID of already discretised views and any hashable labels; adds the row count ``n``."""
    y = np.unique(np.asarray(labels), return_inverse=True)[1].ravel()
    return pid(joint_from_samples(x1_codes, x2_codes, y)) | {"n": int(y.size)}
