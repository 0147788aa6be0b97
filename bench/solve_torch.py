"""bench/solve_torch.py: the PyTorch CPU peer of bench/solve.c - the same problem file, the same work,
written the way a PyTorch user would: batched tensor ops, Anderson acceleration in the style of the
deep-equilibrium tutorials (batched least squares over the history), a direct adjoint by
torch.linalg.solve on the batch of (I - G_b W)^T, an iterative adjoint by the same Anderson.
  python3 solve_torch.py FILE WHAT REPS THREADS"""
import os
import sys
import time
import numpy as np
import torch

def load(path):
    raw = np.fromfile(path, dtype=np.int32, count=2)
    n, b = int(raw[0]), int(raw[1])
    f = np.fromfile(path, dtype=np.float32, offset=8)
    w = torch.from_numpy(f[: n * n].reshape(n, n).copy())
    x = torch.from_numpy(f[n * n : n * n + n * b].reshape(n, b).copy())
    d = torch.from_numpy(f[n * n + n * b :].reshape(n, b).copy())
    return n, b, w, x, d

def colres(fr, r):
    return (fr - r).norm(dim=0) / r.norm(dim=0).clamp_min(1e-6)

def anderson(g, r0, tol, m=5, max_iter=1000, lam=1e-10):
    """Anderson type II on every column at once (columns are independent problems)."""
    n, b = r0.shape
    X = torch.zeros(b, m, n); F = torch.zeros(b, m, n)
    r = r0
    for k in range(max_iter):
        fr = g(r)
        res = colres(fr, r)
        if bool((res <= tol).all()):
            return r, k
        s = k % m
        X[:, s] = r.T; F[:, s] = fr.T
        kk = min(k + 1, m)
        Rk = (F[:, :kk] - X[:, :kk])                      # b x kk x n
        H = torch.bmm(Rk, Rk.transpose(1, 2))             # b x kk x kk
        H = H / H.diagonal(dim1=1, dim2=2).mean(dim=1).clamp_min(1e-30)[:, None, None]
        H = H + lam * torch.eye(kk)
        A = torch.zeros(b, kk + 1, kk + 1); A[:, 0, 1:] = 1; A[:, 1:, 0] = 1; A[:, 1:, 1:] = H
        y = torch.zeros(b, kk + 1, 1); y[:, 0] = 1
        alpha = torch.linalg.solve(A, y)[:, 1:, 0]       # b x kk
        r = torch.bmm(alpha[:, None, :], F[:, :kk])[:, 0].T
    return r, max_iter

def picard(g, r0, tol, max_iter=10000):
    r = r0
    for k in range(max_iter):
        fr = g(r)
        if bool((colres(fr, r) <= tol).all()):
            return r, k
        r = fr
    return r, max_iter

def newton(w, x, r0, tol, max_iter=50):
    """Newton on r - tanh(W r + x) for every column at once: J_b = I - G_b W solved as a batch."""
    n, b = r0.shape
    r = r0
    eye = torch.eye(n)[None]
    for k in range(max_iter):
        t = torch.tanh(w @ r + x)
        if bool((colres(t, r) <= tol).all()):
            return r, k
        J = eye - (1 - t * t).T[:, :, None] * w[None]
        r = r + torch.linalg.solve(J, (t - r).T[:, :, None])[:, :, 0].T
    return r, max_iter

def main():
    path, what, reps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    n, b, w, x, d = load(path)
    tol = 1e-6
    v = dw = None
    times = []
    with torch.no_grad():
        for _ in range(reps):
            t0 = time.perf_counter()
            f = lambda r: torch.tanh(w @ r + x)
            r0 = torch.zeros(n, b)
            if what == "damped":
                r, its = picard(f, r0, tol)
            elif what == "newton":
                r, its = newton(w, x, r0, tol)
            else:
                r, its = anderson(f, r0, tol)
            if what.startswith("adj") or what == "step":
                gain = 1 - torch.tanh(w @ r + x) ** 2
                if what == "adj-direct" or (what == "step" and n <= 64):
                    M = torch.eye(n)[None] - gain.T[:, :, None] * w[None]      # I - G_b W, b x n x n
                    u = torch.linalg.solve(M.transpose(1, 2), d.T[:, :, None])[:, :, 0].T
                else:
                    u, _ = anderson(lambda u: w.T @ (gain * u) + d, d.clone(), tol)
                v = gain * u
                if what == "step":
                    dw = v @ r.T
            times.append(time.perf_counter() - t0)
    if times and os.environ.get("BENCH_LOG"):
        times.sort()
        with open(os.environ["BENCH_LOG"], "a") as f:
            f.write("%.6f\n" % (1e3 * times[len(times) // 2]))
    print("check %s n=%d b=%d iterations=%d sumR=%.6g normV=%.6g normdW=%.6g" % (
        what, n, b, its, float(r.sum()), float(v.norm()) if v is not None else 0.0, float(dw.norm()) if dw is not None else 0.0))

if __name__ == "__main__":
    main()
