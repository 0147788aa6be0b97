"""bench/threads_torch.py: the PyTorch CPU peer of bench/threads.c - the same work at each thread count of
a list, the counts interleaved repetition by repetition:
  solve anderson|euler N B REPS      one forward solve, W = 0.5 randn/sqrt(N), X randn (Anderson to 1e-5
                                     as bench/solve_torch.py writes it, or 500 Euler steps of dt/tau = 0.01)
  step anderson|euler DATADIR REPS   one batched dW3 training step of the paper's model (N = 300, batch
                                     512, SGD on W) on the first 512 images of DATADIR
  python3 threads_torch.py THREADS solve|step ...       (THREADS: e.g. 1,2)
Prints the median milliseconds per thread count and the speed-up over the first."""
import os
import sys
import time
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from solve_torch import anderson
from train_torch import idx

def forward(kind, w, x):
    n, b = x.shape
    if kind == "euler":
        r = torch.zeros(n, b)
        for _ in range(500):
            r += 0.01 * (torch.tanh(w @ r + x) - r)
        return r
    r, _ = anderson(lambda r: torch.tanh(w @ r + x), torch.zeros(n, b), 1e-5)
    return r

def report(what, threads, times):
    base = None
    for t, ts in zip(threads, times):
        ts.sort()
        med = 1e3 * ts[len(ts) // 2]
        base = base or med
        print("pytorch %s threads %d: median %.3f ms, speed-up %.2fx" % (what, t, med, base / med))
        if os.environ.get("BENCH_LOG"):
            with open(os.environ["BENCH_LOG"], "a") as f:
                f.write("%.6f 0\n" % med)

def main():
    threads = [int(v) for v in sys.argv[1].split(",")]
    mode, kind = sys.argv[2], sys.argv[3]
    g = torch.Generator().manual_seed(7)
    times = [[] for _ in threads]
    with torch.no_grad():
        if mode == "solve":
            n, b, reps = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
            w = 0.5 * torch.randn(n, n, generator=g) / n ** 0.5
            x = torch.randn(n, b, generator=g)
            for _ in range(reps):
                for k, t in enumerate(threads):
                    torch.set_num_threads(t)
                    t0 = time.perf_counter()
                    forward(kind, w, x)
                    times[k].append(time.perf_counter() - t0)
            report("solve %s N %d B %d" % (kind, n, b), threads, times)
        else:
            data, reps = sys.argv[4], int(sys.argv[5])
            X = idx(os.path.join(data, "fashion-train-images.idx")).reshape(-1, 784)[:512]
            Y = idx(os.path.join(data, "fashion-train-labels.idx"))[:512]
            n, B = 300, 512
            w0 = 0.5 * torch.randn(n, n, generator=g) / n ** 0.5
            win = torch.randn(n, 784, generator=g) / 784 ** 0.5
            wout = torch.randn(10, n, generator=g) / n ** 0.5
            u = torch.from_numpy(X.astype(np.float32) / 255.0).T
            lab = torch.from_numpy(Y.astype(np.int64))
            for _ in range(reps):
                for k, t in enumerate(threads):
                    torch.set_num_threads(t)
                    w = w0.clone()
                    t0 = time.perf_counter()
                    x = win @ u
                    r = forward(kind, w, x)
                    p = torch.softmax(wout @ r, dim=0)
                    dy = p.clone(); dy[lab, torch.arange(B)] -= 1; dy /= B
                    gr = wout.T @ dy
                    gn = 1 - torch.tanh(w @ r + x) ** 2
                    P = gn * gr; L = P - w @ (gn * P)
                    S = r - gn * (w @ r); C = S - w.T @ (gn * S)
                    w -= 0.1 * (L @ C.T)
                    times[k].append(time.perf_counter() - t0)
            report("step %s N 300 B 512 dW3" % kind, threads, times)

if __name__ == "__main__":
    main()
