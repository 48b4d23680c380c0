#!/usr/bin/env python3
"""Minimax coefficients of tanh(x) ≈ x·p(x²)/q(x²) on (0, 7.9], for bench/bench_tanh.cpp.

For each degree pair it fits the coefficients that minimise the largest relative error
|r(x) − tanh(x)| / tanh(x) (q's constant term fixed at 1): a weighted linear least-squares
fit whose weights are raised where the error is largest (Lawson's iteration), then refined
by Nelder-Mead on the maximum itself. It prints, per pair, the error reached in double
arithmetic and the coefficients as C++ float literals, lowest degree first.

Needs numpy and scipy (Debian: python3-numpy, python3-scipy). Usage:
    python3 bench/tanh_rational_fit.py
"""
import numpy as np
from scipy.optimize import minimize

CLAMP = 7.9
PAIRS = [(3, 2), (3, 3), (4, 3), (4, 4), (5, 4)]  # coefficients of p, of q (in s = x²)


def evaluate(coeffs, m, s, x):
    p = np.polyval(coeffs[:m][::-1], s)
    q = np.polyval(np.concatenate([[1.0], coeffs[m:]])[::-1], s)
    return x * p / q


def lawson(m, n, x, t, iterations=200):
    s = x * x
    weights = np.full_like(x, 1.0 / len(x))
    q_prev = np.ones_like(x)
    best = (np.inf, None)
    for _ in range(iterations):
        # x·p(s) − t·(q(s) − 1) = t, linear in the unknown coefficients
        a = np.hstack([x[:, None] * s[:, None] ** np.arange(m),
                       -t[:, None] * s[:, None] ** np.arange(1, n)])
        scale = np.sqrt(weights) / (t * np.abs(q_prev))
        coeffs = np.linalg.lstsq(a * scale[:, None], t * scale, rcond=None)[0]
        q_prev = np.polyval(np.concatenate([[1.0], coeffs[m:]])[::-1], s)
        err = np.abs(evaluate(coeffs, m, s, x) - t) / t
        if err.max() < best[0]:
            best = (err.max(), coeffs)
        weights = weights * (err / err.max()) ** 0.7 + 1e-12
        weights /= weights.sum()
    return best[1]


def main():
    x = np.linspace(1e-4, CLAMP, 40000)
    t = np.tanh(x)
    s = x * x
    for m, n in PAIRS:
        def max_err(c):
            return np.max(np.abs(evaluate(c, m, s, x) - t) / t)
        coeffs = lawson(m, n, x, t)
        for _ in range(3):
            coeffs = minimize(max_err, coeffs, method="Nelder-Mead",
                              options={"maxiter": 60000, "xatol": 1e-15, "fatol": 1e-15}).x
        p = ", ".join(f"{c:.9g}f" for c in coeffs[:m])
        q = ", ".join(f"{c:.9g}f" for c in coeffs[m:])
        print(f"[{2 * m - 1}/{2 * n - 2}] max relative error {max_err(coeffs):.2g}")
        print(f"  p: {{{p}}}\n  q: {{1.0f, {q}}}")


if __name__ == "__main__":
    main()
