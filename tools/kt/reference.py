#!/usr/bin/python3
"""Reference predictions for the engine's tests: PyTorch's float32 forward pass (tools/kt/models.py)
over whole learner histories, written as JSON beside the model's safetensors file.

    /usr/bin/python3 tools/kt/reference.py dkt OUT_PREFIX --random 16 --seed 7
    /usr/bin/python3 tools/kt/reference.py dkt OUT_PREFIX --weights dkt.safetensors

writes OUT_PREFIX.safetensors (with --random: a model initialised as PyTorch does, seeded) and
OUT_PREFIX.json: {kind, concepts: [skill-0, ...], learners: [{learner, answers: [[concept, correct,
p], ...]}]} where p is the model's probability of a correct answer before that answer. The
learners are real histories from --stream (default: the assist2009 test file), chosen with the
seed, whole (the longest one included).
"""
import argparse
import json
import os
import random

import torch

import models
import safetensors
from train import read_stream

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["dkt", "dkvmn"])
    ap.add_argument("out", help="the prefix of the files to write")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--random", type=int, metavar="SIZE", help="a fresh model of this size (H or D)")
    g.add_argument("--weights", help="a trained model's safetensors file")
    ap.add_argument("--memory", type=int, default=8, help="DKVMN's M for --random")
    ap.add_argument("--concepts", type=int, default=124)
    ap.add_argument("--stream", default=os.path.join(HERE, "../../data/assist2009/builder_test_long.csv.gz"))
    ap.add_argument("--learners", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    if a.random:
        model = (models.DKT(a.concepts, emb_size=a.random) if a.kind == "dkt"
                 else models.DKVMN(a.concepts, dim_s=a.random, size_m=a.memory))
        safetensors.save(a.out + ".safetensors", safetensors.from_module(model),
                         {"kind": a.kind, "seed": a.seed})
    else:
        w = safetensors.load(a.weights)
        num_c = w["out_layer.bias"].shape[0] if a.kind == "dkt" else w["k_emb_layer.weight"].shape[0]
        size = w["lstm_layer.weight_hh_l0"].shape[1] if a.kind == "dkt" else w["Mk"].shape[1]
        model = (models.DKT(num_c, emb_size=size) if a.kind == "dkt"
                 else models.DKVMN(num_c, dim_s=size, size_m=w["Mk"].shape[0]))
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in w.items()})
        a.concepts = num_c
    model.eval()
    stream = read_stream(a.stream)
    rng = random.Random(a.seed)
    chosen = rng.sample(sorted(stream), a.learners - 1)
    chosen.append(max(stream, key=lambda s: len(stream[s])))
    out = {"kind": a.kind, "concepts": [f"skill-{i}" for i in range(a.concepts)], "learners": []}
    with torch.no_grad():
        for s in chosen:
            h = stream[s]
            c = torch.tensor([[k for k, _ in h]])
            r = torch.tensor([[x for _, x in h]])
            p = model(c, r)[0].tolist()
            out["learners"].append({"learner": f"learner-{s}",
                                    "answers": [[k, x, float(f"{q:.9g}")] for (k, x), q in zip(h, p)]})
    with open(a.out + ".json", "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
