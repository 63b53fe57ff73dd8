#!/usr/bin/python3
"""PyTorch's AUC of a model file on an answer stream, streamed whole (as the engine serves it) or
in pyKT's way: each history cut into windows of --window answers, every window from the initial
state. The difference is what streaming gives long histories.

    /usr/bin/python3 tools/kt/evaluate.py dkt data/models/dkt.safetensors \\
        data/assist2009/builder_test_long.csv.gz [--window 200]
"""
import argparse

import torch

import models
import safetensors
from train import evaluate, read_stream


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["dkt", "dkvmn"])
    ap.add_argument("weights")
    ap.add_argument("stream")
    ap.add_argument("--window", type=int, default=0, help="cut histories into windows (0: whole)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    w = safetensors.load(a.weights)
    if a.kind == "dkt":
        model = models.DKT(w["out_layer.bias"].shape[0], emb_size=w["lstm_layer.weight_hh_l0"].shape[1])
    else:
        model = models.DKVMN(w["k_emb_layer.weight"].shape[0], dim_s=w["Mk"].shape[1],
                             size_m=w["Mk"].shape[0])
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in w.items()})
    seqs = list(read_stream(a.stream).values())
    if a.window:
        seqs = [s[i:i + a.window] for s in seqs for i in range(0, len(s), a.window)]
    how = f"windows of {a.window}" if a.window else "whole histories"
    print(f"{a.kind}: AUC {evaluate(model, seqs):.4f} ({how}, {len(seqs)} sequences)")


if __name__ == "__main__":
    main()
