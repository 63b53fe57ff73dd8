#!/usr/bin/python3
"""PyTorch's own single-step CPU inference for DKT and DKVMN (tools/kt/models.py's equations),
batch 1, one thread: the peer assay-bench models compares the engine's step with, in the same
run. Prints one JSON line: {torch, blas, dkt_us, dkvmn_us} (microseconds per step: predict the
next answer, then update the state with the answer).

    /usr/bin/python3 tools/kt/torch_step.py [--seconds S] [--concepts 123] [--size 200] [--memory 50]
"""
import argparse
import json
import random
import re
import time

import torch

import models


def dkt_step(m, state, c, r):
    """Prediction for concept c from h, then one LSTM step with the interaction c + C r."""
    h, cell = state
    p = torch.sigmoid(m.out_layer(h))[0, c]
    x = m.interaction_emb(torch.tensor([c + m.num_c * r]))
    _, (h, cell) = m.lstm_layer(x.unsqueeze(1), (h.unsqueeze(0), cell.unsqueeze(0)))
    return p, (h[0], cell[0])


def dkvmn_step(m, mv, c, r):
    ct = torch.tensor([c])
    k = m.k_emb_layer(ct)
    w = torch.softmax(k @ m.Mk.T, dim=-1)
    read = (w.unsqueeze(-1) * mv).sum(1)
    f = torch.tanh(m.f_layer(torch.cat([read, k], dim=-1)))
    p = torch.sigmoid(m.p_layer(f))[0, 0]
    v = m.v_emb_layer(torch.tensor([c + m.num_c * r]))
    e = torch.sigmoid(m.e_layer(v))
    a = torch.tanh(m.a_layer(v))
    mv = mv * (1 - w.unsqueeze(-1) * e.unsqueeze(1)) + w.unsqueeze(-1) * a.unsqueeze(1)
    return p, mv


def timed(step, state, num_c, seconds):
    rng = random.Random(1)
    seq = [(rng.randrange(num_c), rng.randrange(2)) for _ in range(4096)]
    best = float("inf")
    with torch.no_grad():
        for _ in range(3):
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds / 3:
                for c, r in seq[:256]:
                    _, state = step(c, r, state)
                n += 256
            best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--concepts", type=int, default=123)
    ap.add_argument("--size", type=int, default=200)
    ap.add_argument("--memory", type=int, default=50)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    dkt = models.DKT(a.concepts, emb_size=a.size).eval()
    dkvmn = models.DKVMN(a.concepts, dim_s=a.size, size_m=a.memory).eval()
    h0 = (torch.zeros(1, a.size), torch.zeros(1, a.size))
    mv0 = dkvmn.Mv0.detach().unsqueeze(0).clone()
    dkt_us = timed(lambda c, r, s: dkt_step(dkt, s, c, r), h0, a.concepts, a.seconds)
    dkvmn_us = timed(lambda c, r, s: dkvmn_step(dkvmn, s, c, r), mv0, a.concepts, a.seconds)
    cfg = torch.__config__.show()
    found = re.search(r"BLAS_INFO=([^,]+)", cfg)
    blas = found.group(1) if found else "unknown"
    print(json.dumps({"torch": torch.__version__, "blas": blas, "dkt_us": dkt_us,
                      "dkvmn_us": dkvmn_us}))


if __name__ == "__main__":
    main()
