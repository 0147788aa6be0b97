"""bench/train_torch.py: the PyTorch CPU peer of bench/train.c - the same initial weights (read from the
fixpoint.h parameter file), the same IDX data in dataset order, the same Anderson solver to 1e-5, SGD on W
with dW3 or dW4 (docs/THEORY.md, (R3), (R4)), in two forms:
  persample  the rule computed sample by sample with N x N matrices, as the authors' code does
  batched    the rule as four matrix products over the batch
  python3 train_torch.py DATADIR NTRAIN EPOCHS RULE LR INIT persample|batched THREADS"""
import os, sys, time
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from solve_torch import anderson

def idx(path):
    raw = np.fromfile(path, dtype=np.uint8)
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i].tobytes(), "big") for i in range(nd)]
    return raw[4 + 4 * nd:].reshape(dims)

def load_layer(path):
    raw = np.fromfile(path, dtype=np.uint8)
    n, nin, nout = (int(v) for v in raw[16:28].view(np.int32))
    f = raw[32:-8].view(np.float32)
    o = 0
    w = f[o:o + n * n].reshape(n, n); o += n * n
    win = f[o:o + n * nin].reshape(n, nin); o += n * nin
    b = f[o:o + n]; o += n
    wout = f[o:o + nout * n].reshape(nout, n); o += nout * n
    bout = f[o:o + nout]
    t = lambda a: torch.from_numpy(a.copy())
    return t(w), t(win), t(b), t(wout), t(bout)

def main():
    data, ntrain, epochs, rule, lr, init, form, threads = sys.argv[1:9]
    ntrain, epochs, rule, lr, threads = int(ntrain), int(epochs), int(rule), float(lr), int(threads)
    torch.set_num_threads(threads)
    X = idx(os.path.join(data, "fashion-train-images.idx")).reshape(-1, 784)[:ntrain]
    Y = idx(os.path.join(data, "fashion-train-labels.idx"))[:ntrain]
    w, win, b, wout, bout = load_layer(init)
    n, B = w.shape[0], 512
    times, losses = [], []
    eye = torch.eye(n)
    with torch.no_grad():
        for ep in range(epochs):
            for s in range(0, len(X), B):
                t0 = time.perf_counter()
                u = torch.from_numpy(X[s:s + B].astype(np.float32) / 255.0).T          # 784 x bs
                lab = torch.from_numpy(Y[s:s + B].astype(np.int64))
                bs = u.shape[1]
                x = win @ u + b[:, None]
                r, _ = anderson(lambda r: torch.tanh(w @ r + x), torch.zeros(n, bs), 1e-5)
                yv = wout @ r + bout[:, None]
                p = torch.softmax(yv, dim=0)
                loss = float(-torch.log(p[lab, torch.arange(bs)]).mean())
                dy = p.clone(); dy[lab, torch.arange(bs)] -= 1; dy /= bs
                gr = wout.T @ dy                                                     # dL/dR, n x bs
                g = 1 - torch.tanh(w @ r + x) ** 2                                   # gains
                if form == "batched":
                    if rule == 3:
                        P = g * gr; L = P - w @ (g * P)
                        S = r - g * (w @ r); C = S - w.T @ (g * S)
                    else:
                        L = gr - w @ (g * gr)
                        S = r - w @ (g * r); C = S - g * (w.T @ S)
                    dw = L @ C.T
                else:
                    dw = torch.zeros(n, n)
                    for j in range(bs):
                        G = torch.diag(g[:, j]); gj = gr[:, j:j + 1]; rj = r[:, j:j + 1]
                        if rule == 3:
                            Q = eye - G @ w
                            dw += ((eye - w @ G) @ G @ gj) @ (Q.T @ Q @ rj).T
                        else:
                            P = eye - w @ G
                            dw += (P @ gj) @ (P.T @ P @ rj).T
                w -= lr * dw
                losses.append(loss)
                times.append(time.perf_counter() - t0)
    times.sort()
    med = 1e3 * times[len(times) // 2]
    print("pytorch %s rule dW%d lr %g: %d steps, first loss %.6f, last loss %.6f, median step %.2f ms" % (
        form, rule, lr, len(losses), losses[0], losses[-1], med))
    if os.environ.get("BENCH_LOG"):
        with open(os.environ["BENCH_LOG"], "a") as f:
            f.write("%.6f %.8f\n" % (med, losses[0]))

if __name__ == "__main__":
    main()
