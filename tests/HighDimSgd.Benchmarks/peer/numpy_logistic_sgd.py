"""Batched numpy SGD: the peer of `hdsgd simulate` in tests/HighDimSgd.Benchmarks/whole-process.sh.

Logistic regression, noisy teacher y = step(r* + 0.3 eps), power-law spectrum lambda_i = (i/d)^1.2, teacher of
constant entries with norm sqrt(3), zero init, constant step 2, T = 20, all runs advanced together as one
(runs x d) array per step. The population risk at each checkpoint is a Gauss-Hermite average over (r, r*)
with E[y | r*] = Phi(r*/0.3), like the project's, so both processes do the same work.
Usage: python3 numpy_logistic_sgd.py [d] [runs] [horizon] [checkpoints]
"""
import math
import sys

import numpy as np

d = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
horizon = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
checkpoints = int(sys.argv[4]) if len(sys.argv) > 4 else 200
rate, noise = 2.0, 0.3

lam = (np.arange(1, d + 1) / d) ** 1.2
root = np.sqrt(lam)
teacher = np.full(d, math.sqrt(3.0) / math.sqrt(d))
nodes, weights = np.polynomial.hermite_e.hermegauss(48)
weights = weights / weights.sum()
teacher_power = float(teacher @ (lam * teacher))
rstar_nodes = math.sqrt(teacher_power) * nodes
label_mean = np.array([0.5 * (1 + math.erf(x / (noise * math.sqrt(2)))) for x in rstar_nodes])


def risk(w):
    """E[softplus(r) - y r] per run, r = b/c r* + sqrt(a - b^2/c) z."""
    a = (w * w) @ lam
    b = w @ (lam * teacher)
    slope = b / teacher_power
    spread = np.sqrt(np.maximum(a - b * b / teacher_power, 0.0))
    r = slope[:, None, None] * rstar_nodes[None, :, None] + spread[:, None, None] * nodes[None, None, :]
    loss = np.logaddexp(0.0, r) - label_mean[None, :, None] * r
    return np.einsum("rij,i,j->r", loss, weights, weights)


rng = np.random.default_rng(1)
steps = int(round(horizon * d))
record = set(int(round(k * steps / checkpoints)) for k in range(checkpoints + 1))
w = np.zeros((runs, d))
means = []
for k in range(steps + 1):
    if k in record:
        means.append(risk(w).mean())
    if k == steps:
        break
    a = rng.standard_normal((runs, d))
    a *= root
    r = np.einsum("ij,ij->i", w, a)
    y = (a @ teacher + noise * rng.standard_normal(runs)) > 0
    g = 1.0 / (1.0 + np.exp(-r)) - y
    w -= (rate / d) * g[:, None] * a
print(f"numpy: {runs} runs; mean risk {means[0]:.5f} -> {means[-1]:.5f} at t = {horizon:g}")
