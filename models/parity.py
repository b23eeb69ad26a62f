#!/usr/bin/env python3
"""Scores commits with the PyTorch checkpoint that `train.py` saved next to its ONNX export, so
that a test can compare them with onnxruntime-node's scores of the same commits.

  parity.py MODEL.onnx RECORDS.jsonl  ->  stdout: {"scores": [0.12, 0.87, ...]}

RECORDS.jsonl holds dataset lines (a header line, if present, is skipped):
  {"repo":"r","commit":"<sha>","time":1600000000,"label":0,"metrics":{"la":12,...},"added":{"17":2},"removed":{}}
Features are built here with the trainer's own code (train.Features), independently of Node's.
Without the checkpoint (the shipped default model has none), the scorer takes the ONNX file's weights.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import train  # noqa: E402


def scorer_from_onnx(model_path, meta):
    """The PyTorch scorer with the weights the ONNX file holds, for a shipped model whose checkpoint is
    not shipped: its initializers are the checkpoint's state, under the same names."""
    import onnx
    import torch
    from onnx import numpy_helper

    graph = onnx.load(model_path).graph
    state = {i.name: torch.as_tensor(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    m = len(meta["features"]["metrics"])
    scorer = train.build_scorer(
        meta["model"]["kind"],
        meta["features"]["width"],
        m,
        state["log_mask"].tolist(),
        state["mean"].tolist(),
        state["scale"].tolist(),
        hidden=meta["model"].get("hidden", 64),
    )
    names = set(scorer.state_dict().keys())
    scorer.load_state_dict({k: v for k, v in state.items() if k in names}, strict=True)
    return scorer


def main(argv):
    if len(argv) != 2:
        train.fail("usage: parity.py MODEL.onnx RECORDS.jsonl")
    train.require_packages()
    import numpy as np
    import torch

    model_path, records_path = argv
    base = model_path[: -len(".onnx")] if model_path.endswith(".onnx") else model_path
    with open(base + ".meta.json", encoding="utf-8") as handle:
        meta = json.load(handle)
    if os.path.exists(base + ".pt"):
        checkpoint = torch.load(base + ".pt", map_location="cpu")
        config = checkpoint["config"]
        scorer = train.build_scorer(
            config["kind"], config["width"], config["m"], config["log_mask"], config["mean"], config["scale"], hidden=checkpoint["hidden"]
        )
        scorer.load_state_dict(checkpoint["state"])
    else:
        scorer = scorer_from_onnx(model_path, meta)
    scorer.eval()

    records = []
    with open(records_path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                obj = json.loads(line)
                if "dejafix_dataset" not in obj:
                    records.append(obj)
    features = meta["features"]
    feats = train.Features(records, features["metrics"], features["token_hash"]["dim"])
    neutral = np.asarray([t["neutral"] for t in meta["transforms"]["metrics"]], dtype=np.float64)
    scores = train.predict(scorer, feats, list(range(len(records))), neutral, torch.device("cpu"))
    print(json.dumps({"scores": scores}))


if __name__ == "__main__":
    main(sys.argv[1:])
