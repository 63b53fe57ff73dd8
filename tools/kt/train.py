#!/usr/bin/python3
"""Train DKT or DKVMN (pyKT's parameter names and equations, tools/kt/models.py) on an answer
stream in assay's replay format (student,seq,skill_id,correct; gzip or plain) and export the
weights as safetensors for `assay model-put`.

    /usr/bin/python3 tools/kt/train.py dkt data/assist2009/builder_train_long.csv.gz -o dkt.safetensors

Whole learner histories, no windows (assay streams each learner's answers through the model from
the first to the last). A validation split of the training students (--val, seeded) chooses the
epoch: training stops when its AUC has not improved for --patience epochs and the best epoch's
weights are exported. With --test FILE the exported model's AUC on FILE is printed too (PyTorch,
whole histories), to compare with `assay kt-eval` through the engine.

The concepts are skill_id 0..C-1 and are named skill-<id>, as `assay replay` names them.
Debian's python3-torch: run with /usr/bin/python3.
"""
import argparse
import gzip
import random
import sys
import time

import numpy as np
import torch

import models
import safetensors


def read_stream(path):
    """{student: [(skill, correct), ...] in seq order}"""
    opener = gzip.open if path.endswith(".gz") else open
    rows = {}
    with opener(path, "rt") as f:
        head = f.readline().strip()
        if head != "student,seq,skill_id,correct":
            sys.exit(f"{path}: expected the header student,seq,skill_id,correct, found {head!r}")
        for n, line in enumerate(f, 2):
            try:
                s, q, k, c = (int(x) for x in line.split(","))
            except ValueError:
                sys.exit(f"{path}:{n}: not four integers")
            rows.setdefault(s, []).append((q, k, c))
    return {s: [(k, c) for _, k, c in sorted(v)] for s, v in rows.items()}


def batches(seqs, size, shuffle, rng):
    """Padded batches of sequences of similar length: (c, r, mask) tensors."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    if shuffle:
        rng.shuffle(groups)
    for g in groups:
        t = max(len(seqs[i]) for i in g)
        c = torch.zeros(len(g), t, dtype=torch.long)
        r = torch.zeros(len(g), t, dtype=torch.long)
        m = torch.zeros(len(g), t, dtype=torch.bool)
        for j, i in enumerate(g):
            s = seqs[i]
            c[j, :len(s)] = torch.tensor([k for k, _ in s])
            r[j, :len(s)] = torch.tensor([x for _, x in s])
            m[j, :len(s)] = True
        yield c, r, m


def auc(y, p):
    """Area under the ROC curve from ranks, ties halved (as assay kt-eval computes it)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    sp = p[order]
    i = 0
    while i < len(sp):
        j = i
        while j + 1 < len(sp) and sp[j + 1] == sp[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = y.sum()
    neg = len(y) - pos
    return (ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)


def evaluate(model, seqs, size=64):
    model.eval()
    ys, ps = [], []
    with torch.no_grad():
        for c, r, m in batches(seqs, size, False, None):
            p = model(c, r)
            ys.append(r[m].numpy())
            ps.append(p[m].numpy())
    model.train()
    return auc(np.concatenate(ys), np.concatenate(ps))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["dkt", "dkvmn"])
    ap.add_argument("train", help="the training stream (student,seq,skill_id,correct)")
    ap.add_argument("-o", "--out", required=True, help="the safetensors file to write")
    ap.add_argument("--size", type=int, default=200, help="DKT's hidden size / DKVMN's dim_s (200, pyKT's default)")
    ap.add_argument("--concepts", type=int, default=0, help="C (default: the largest skill_id + 1)")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--val", type=float, default=0.1, help="share of training students held out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--test", help="a test stream to score the exported model on")
    ap.add_argument("--tbptt", type=int, default=100,
                    help="DKVMN: backpropagate through pieces of this many steps (the memory is "
                         "carried whole; bounds the training's memory)")
    ap.add_argument("--init", help="start from this safetensors file's weights (more epochs)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = random.Random(a.seed)
    stream = read_stream(a.train)
    students = sorted(stream)
    rng.shuffle(students)
    n_val = int(len(students) * a.val)
    val = [stream[s] for s in students[:n_val]]
    train = [stream[s] for s in students[n_val:]]
    num_c = a.concepts or 1 + max(k for s in stream.values() for k, _ in s)
    model = models.build(a.kind, num_c, a.size)
    if a.init:
        w = safetensors.load(a.init)
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in w.items()})
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = torch.nn.BCELoss()
    best, best_state, since = -1.0, None, 0
    print(f"{a.kind}: C={num_c} size={a.size}, {len(train)} training and {len(val)} validation "
          f"learners, {sum(map(len, train))} answers", file=sys.stderr)
    for epoch in range(1, a.epochs + 1):
        t0, total, n = time.time(), 0.0, 0
        for c, r, m in batches(train, a.batch, True, rng):
            if a.kind == "dkt":
                pieces = [(0, c.shape[1])]
            else:  # truncated backpropagation: the memory is carried, the graph is not
                pieces = [(s, min(s + a.tbptt, c.shape[1])) for s in range(0, c.shape[1], a.tbptt)]
            mv = None
            for s, e in pieces:
                if a.kind == "dkt":
                    p = model(c, r)
                else:
                    p, mv = model.forward_from(c[:, s:e], r[:, s:e], mv)
                    mv = mv.detach()
                mm = m[:, s:e]
                if not mm.any():
                    continue
                loss = loss_fn(p[mm], r[:, s:e][mm].float())
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * int(mm.sum())
                n += int(mm.sum())
        v = evaluate(model, val)
        print(f"epoch {epoch}: loss {total / n:.4f}, validation AUC {v:.4f} ({time.time() - t0:.0f} s)",
              file=sys.stderr)
        if v > best:
            best, since = v, 0
            best_state = {k: t.clone() for k, t in model.state_dict().items()}
        else:
            since += 1
            if since >= a.patience:
                break
    model.load_state_dict(best_state)
    safetensors.save(a.out, safetensors.from_module(model),
                     {"kind": a.kind, "concepts": num_c, "validation_auc": f"{best:.4f}"})
    print(f"wrote {a.out} (validation AUC {best:.4f})", file=sys.stderr)
    if a.test:
        test = list(read_stream(a.test).values())
        print(f"test AUC (PyTorch, whole histories): {evaluate(model, test):.4f}")


if __name__ == "__main__":
    main()
