"""PyTorch CPU versions of the bench kernels (torch.set_num_threads(1), float64).

Reads the inputs that the C drivers dumped into OUTDIR (NAME.meta, NAME.p.f64,
data files) and the gradc gradient (NAME.g.f64); times PyTorch's own primal
and gradient (backward, all parameters) with the minimum of several runs and
prints ROW lines like the C drivers: primal, gradient, gradient/own primal,
and in the note the PyTorch primal relative to the C primal.
Usage: bench_torch.py OUTDIR [NAME...]"""
import math
import os
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
OUT = sys.argv[1]


def meta(name):
    d = {}
    with open(os.path.join(OUT, name + ".meta")) as f:
        for line in f:
            k, v = line.rstrip("\n").split("=", 1)
            d[k] = v
    return d


def f64(name):
    return torch.from_numpy(np.fromfile(os.path.join(OUT, name), dtype=np.float64))


def i64(name):
    return torch.from_numpy(np.fromfile(os.path.join(OUT, name), dtype=np.int32).astype(np.int64))


def tmin(fn, min_reps=3, budget=0.5):
    best, start, r = 1e300, time.perf_counter(), 0
    while True:
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        r += 1
        if r >= min_reps and time.perf_counter() - start > budget:
            return best


def logsumexp(v, dim=-1):
    mx = v.max(dim=dim, keepdim=True).values
    return (torch.log(torch.exp(v - mx).sum(dim=dim, keepdim=True)) + mx).squeeze(dim)


# ---- kernels: f(p) with p the flat parameter vector --------------------------

def make_gmm(m):
    d, K, n = int(m["d"]), int(m["K"]), int(m["n"])
    gamma, wm = float(m["gamma"]), int(m["m"])
    x = f64(m["name"] + ".x.f64").reshape(n, d)
    icf_sz = d * (d + 1) // 2
    rows, cols = [], []
    for i in range(d):  # strictly lower part of Q, column by column
        for j in range(i + 1, d):
            rows.append(j)
            cols.append(i)
    rows, cols = torch.tensor(rows), torch.tensor(cols)
    nn = d + wm + 1
    lgd = 0.25 * d * (d - 1) * math.log(math.pi) + sum(math.lgamma(0.5 * nn + 0.5 * (1 - j)) for j in range(1, d + 1))
    C = nn * d * (math.log(gamma) - 0.5 * math.log(2.0)) - lgd

    def f(p):
        alphas = p[:K]
        means = p[K:K + K * d].reshape(K, d)
        icf = p[K + K * d:].reshape(K, icf_sz)
        qd = icf[:, :d]
        Qdiag = torch.exp(qd)
        sum_qs = qd.sum(1)
        Q = torch.diag_embed(Qdiag).index_put((torch.arange(K)[:, None], rows[None, :], cols[None, :]), icf[:, d:],
                                              accumulate=True)
        xc = x[:, None, :] - means[None, :, :]                     # n K d
        Qxc = torch.einsum("kij,nkj->nki", Q, xc)
        main = alphas[None, :] + sum_qs[None, :] - 0.5 * (Qxc * Qxc).sum(2)
        slse = logsumexp(main, 1).sum()
        err = -n * d * 0.5 * math.log(2 * math.pi) + slse - n * logsumexp(alphas, 0)
        frob = (Qdiag * Qdiag).sum(1) + (icf[:, d:] ** 2).sum(1)
        prior = (0.5 * gamma * gamma * frob - wm * sum_qs).sum()
        return err + prior - K * C
    return f


def make_lstm(m):
    l, c, b = int(m["l"]), int(m["c"]), int(m["b"])
    state0 = f64("lstm.state.f64").reshape(l, 2, b)
    seq = f64("lstm.seq.f64").reshape(c, b)
    nm = 2 * l * 4 * b

    def f(p):
        W = p[:nm].reshape(l, 2, 4, b)
        ex = p[nm:].reshape(3, b)
        hid = [state0[i, 0] for i in range(l)]
        cell = [state0[i, 1] for i in range(l)]
        total = 0.0
        for t in range(c - 1):
            x = seq[t] * ex[0]
            for i in range(l):
                w, bias = W[i, 0], W[i, 1]
                forget = torch.sigmoid(x * w[0] + bias[0])
                ingate = torch.sigmoid(hid[i] * w[1] + bias[1])
                outgate = torch.sigmoid(x * w[2] + bias[2])
                change = torch.tanh(hid[i] * w[3] + bias[3])
                cell[i] = cell[i] * forget + ingate * change
                hid[i] = outgate * torch.tanh(cell[i])
                x = hid[i]
            ypred = x * ex[1] + ex[2]
            total = total + (seq[t + 1] * (ypred - logsumexp(ypred, 0))).sum()
        return -total / ((c - 1) * b)
    return f


def make_ba(m):
    nc, npt, nobs = int(m["nc"]), int(m["np"]), int(m["nobs"])
    obs = i64("ba.obs.i32").reshape(nobs, 2)
    feats = f64("ba.feats.f64").reshape(nobs, 2)

    def f(p):
        cams = p[:11 * nc].reshape(nc, 11)[obs[:, 0]]
        X = p[11 * nc:11 * nc + 3 * npt].reshape(npt, 3)[obs[:, 1]]
        w = p[11 * nc + 3 * npt:]
        rot, Xo = cams[:, 0:3], X - cams[:, 3:6]
        theta = torch.sqrt((rot * rot).sum(1, keepdim=True))   # all rotations are nonzero here
        wv = rot / theta
        cos, sin = torch.cos(theta), torch.sin(theta)
        Xc = Xo * cos + torch.cross(wv, Xo, dim=1) * sin + wv * ((wv * Xo).sum(1, keepdim=True) * (1 - cos))
        pr = Xc[:, 0:2] / Xc[:, 2:3]
        rsq = (pr * pr).sum(1, keepdim=True)
        L = 1 + cams[:, 9:10] * rsq + cams[:, 10:11] * rsq * rsq
        e = w[:, None] * (pr * L * cams[:, 6:7] + cams[:, 7:9] - feats)
        return (e * e).sum() + ((1 - w * w) ** 2).sum()
    return f


def make_mlp(m):
    B, IN, H, OUT_ = int(m["B"]), int(m["IN"]), int(m["H"]), int(m["OUT"])
    X = f64("mlp.X.f64").reshape(B, IN)
    lab = i64("mlp.labels.i32")
    o1, o2, o3 = H * IN, H * IN + H, H * IN + H + OUT_ * H

    def f(p):
        W1, b1, W2, b2 = p[:o1].reshape(H, IN), p[o1:o2], p[o2:o3].reshape(OUT_, H), p[o3:]
        z = torch.relu(X @ W1.T + b1) @ W2.T + b2
        return torch.nn.functional.cross_entropy(z, lab)
    return f


def make_heat(m):
    N, T, r = int(m["N"]), int(m["T"]), float(m["r"])
    target = f64("heat.target.f64")

    def f(p):
        u, kappa = p[:N], p[N:]
        for _ in range(T):
            flux = kappa * (u[1:] - u[:-1])                 # flux between i and i+1
            u = u + r * (torch.nn.functional.pad(flux, (0, 1)) - torch.nn.functional.pad(flux, (1, 0)))
        return ((u - target) ** 2).sum()
    return f


def make_ode(m):
    N, tend, tol = int(m["N"]), float(m["tend"]), float(m["tol"])
    A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
         [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
         [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]]
    bw = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]
    ew = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]

    def f(p):
        x0, F = p[:N], p[N:]

        def rhs(x):
            return (torch.roll(x, -1) - torch.roll(x, 2)) * torch.roll(x, 1) - x + F
        x = x0
        t = torch.zeros(()); h = torch.full((), 0.01)
        k1 = rhs(x)
        while tend - t.item() > 1e-12 * tend:
            if (t + h).item() > tend:
                h = tend - t
            ks = [k1]
            for s in range(1, 6):
                y = x + h * sum(a * k for a, k in zip(A[s], ks))
                ks.append(rhs(y))
            xn = x + h * sum(bb * k for bb, k in zip(bw, ks) if bb != 0)
            k7 = rhs(xn)
            ks.append(k7)
            ei = h * sum(e * k for e, k in zip(ew, ks) if e != 0)
            sc = tol + tol * torch.maximum(x.abs(), xn.abs())
            err = torch.sqrt(((ei / sc) ** 2).sum() / N)
            if err.item() <= 1.0:
                t = t + h
                x, k1 = xn, k7
            fac = 0.9 * torch.clamp(err, min=1e-10) ** -0.2
            h = h * torch.clamp(fac, 0.2, 5.0)
        return (x * x).sum() / N
    return f


MAKERS = {"gmm_small": make_gmm, "gmm_large": make_gmm, "lstm": make_lstm, "ba": make_ba, "mlp": make_mlp,
          "heat": make_heat, "ode": make_ode}


def main():
    names = sys.argv[2:] or list(MAKERS)
    for name in names:
        if not os.path.exists(os.path.join(OUT, name + ".meta")):
            continue
        m = meta(name)
        m["name"] = name
        f = MAKERS[name](m)
        p0 = f64(name + ".p.f64")
        g_ref = f64(name + ".g.f64")
        with torch.no_grad():
            val = f(p0).item()
            tp = tmin(lambda: f(p0))
        p = p0.clone().requires_grad_(True)

        def grad():
            p.grad = None
            f(p).backward()
        tg = tmin(grad)
        g = p.grad
        bmax = g_ref.abs().max().item()
        den = torch.maximum(torch.maximum(g.abs(), g_ref.abs()), torch.full_like(g, max(1e-6 * bmax, 1e-300)))
        rel = ((g - g_ref).abs() / den).max().item()
        pc = float(m["primal_c"])
        note = "f=%.10g, torch primal = %.3g x C primal" % (val, tp / pc)
        print("ROW|%s|PyTorch|%s|%.6g|%.6g|%.4g|nan|%.3g|%s" % (m["kernel"], m["size"], tp, tg, tg / tp, rel, note),
              flush=True)


if __name__ == "__main__":
    main()
