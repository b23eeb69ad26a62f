#!/usr/bin/env python3
"""dejafix risk model: training job (PyTorch) with ONNX export.

Reads one or more dejafix datasets (JSON Lines; line 1 a header, then one commit a line):

  {"dejafix_dataset":1,"metrics":["ns","nd",...],"token_hash":{"algorithm":"fnv1a32","dim":4096}}
  {"repo":"apache/zookeeper","commit":"<sha>","time":1600000000,"label":1,
   "metrics":{"ns":1,...},"added":{"17":2,"4001":1},"removed":{"9":1}}

Several datasets may be concatenated (same header). Splits every repository by author time into
train / validation / test (60/20/20 by default; never at random), pools the parts, resamples the
minority class in training only, trains a logistic-regression baseline on the metrics and two
models that also read the diff token bags (LR and a small MLP), keeps the one with the best
validation ROC AUC, and exports it as ONNX plus `<name>.meta.json`.

The ONNX graph takes RAW features (metrics as measured, token counts as counted) and applies the
transforms itself (log1p for counts, standardization with training statistics), so the hook only
has to place values in the documented order. The metadata describes the same transforms so that
reasons (weight x standardized value) can be computed outside the graph.

Runs as one process, or under torchrun as several (DistributedDataParallel: NCCL on CUDA, one GPU per
process by LOCAL_RANK; gloo on CPU). Every process reads the whole dataset; each training batch is
split among the processes and their gradients averaged, so the model is the one a single process
trains, up to the order of float sums. Process 0 logs and writes the files. See docs/training.md.

Exit codes: 0 ok, 2 bad input or data, 3 a Python package is missing.
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import random
import sys

INSTALL_HINT = "install them with `apt-get install python3-torch python3-onnx` (Debian/Ubuntu) or `pip install torch onnx`"

# How each known metric is transformed before standardization. Counts, sizes and ages are
# heavy-tailed, so they go through log1p; flags, shares and entropy are already on a small scale.
LOG1P_METRICS = {
    "ns", "nd", "nf", "la", "ld", "lt", "ndev", "age", "nuc", "exp", "rexp", "sexp",
    "prior_defects_file", "prior_defects_dir", "n_languages",
}
IDENTITY_METRICS = {"entropy", "fix", "only_new_files", "author_created_file", "trivial_share"}

KINDS = ("lr-metrics", "lr-tokens", "mlp-tokens")


class DataError(Exception):
    """Bad input: the message says what is wrong and what to do."""


def fail(message, code=2):
    print(f"dejafix train: {message}", file=sys.stderr)
    sys.exit(code)


def log(message):
    if DIST.rank == 0:
        print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Distributed training (torchrun): process group, batch sharding, gathering predictions


class Distributed:
    """Where this process stands among the training processes; one process = world 1, rank 0."""

    def __init__(self, world=1, rank=0, local_rank=0, backend=None):
        self.world = world
        self.rank = rank
        self.local_rank = local_rank
        self.backend = backend

    @property
    def active(self):
        return self.world > 1


DIST = Distributed()


def init_distributed(requested):
    """Joins torchrun's process group when WORLD_SIZE > 1 and picks this process's device:
    cuda:LOCAL_RANK with NCCL when CUDA is asked for or available (auto), else the CPU with gloo."""
    import torch

    global DIST
    world = int(os.environ.get("WORLD_SIZE", "1"))
    use_cuda = requested in ("auto", "cuda") and torch.cuda.is_available()
    if world <= 1:
        DIST = Distributed()
        return torch.device("cuda" if use_cuda else "cpu")
    import torch.distributed as dist

    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if use_cuda:
        if local_rank >= torch.cuda.device_count():
            fail(f"process {rank} has LOCAL_RANK {local_rank} but this node has {torch.cuda.device_count()} CUDA devices: run at most that many processes per node (--nproc_per_node)")
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
        backend = "nccl"
    else:
        device = torch.device("cpu")
        backend = "gloo"
    dist.init_process_group(backend=backend)
    DIST = Distributed(world, rank, local_rank, backend)
    return device


def finish_distributed():
    """Waits for every process (process 0 writes the files meanwhile), then leaves the group."""
    if DIST.active:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()


def rank_share(batch):
    """This process's rows of a global batch (strided, so the shares differ by one row at most)."""
    return batch[DIST.rank :: DIST.world] if DIST.active else batch


def wrap_for_training(scorer, device):
    """The scorer as DistributedDataParallel sees it: forward = the sparse training path, so the
    gradients of every process are averaged during backward."""
    if not DIST.active:
        return scorer
    import torch
    from torch.nn.parallel import DistributedDataParallel

    class SparseForward(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, metrics, tokens):
            return self.inner.sparse_logits(metrics, tokens)

    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(SparseForward(scorer), device_ids=ids, broadcast_buffers=False)


def predict_all(scorer, feats, rows, neutral, device):
    """`predict` over every row, the rows shared among the processes; every process gets all scores."""
    if not DIST.active:
        return predict(scorer, feats, rows, neutral, device)
    import torch.distributed as dist

    mine = predict(scorer, feats, rank_share(list(rows)), neutral, device)
    shares = [None] * DIST.world
    dist.all_gather_object(shares, mine)
    out = [0.0] * len(rows)
    for rank, scores in enumerate(shares):
        out[rank :: DIST.world] = scores
    return out


def require_packages():
    missing = []
    for name in ("torch", "onnx", "numpy"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        fail(
            f"this Python ({sys.executable}) lacks {', '.join(missing)}; {INSTALL_HINT}, "
            "or point DEJAFIX_PYTHON at a Python that has them",
            3,
        )


# ---------------------------------------------------------------------------------------------
# Reading datasets


def read_datasets(paths):
    """Returns (header, records). Every file must carry the same header."""
    header = None
    records = []
    for path in paths:
        file_header = None
        try:
            handle = open(path, encoding="utf-8")
        except OSError as error:
            raise DataError(f"cannot read dataset {path}: {error.strerror}")
        with handle:
            for lineno, line in enumerate(handle, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DataError(f"{path}:{lineno}: not valid JSON ({error.msg})")
                if not isinstance(obj, dict):
                    raise DataError(f"{path}:{lineno}: expected a JSON object")
                if "dejafix_dataset" in obj:
                    if obj.get("dejafix_dataset") != 1:
                        raise DataError(f"{path}:{lineno}: dataset version {obj.get('dejafix_dataset')} is not supported (expected 1)")
                    if header is not None and (obj.get("metrics") != header.get("metrics") or obj.get("token_hash") != header.get("token_hash")):
                        raise DataError(f"{path}:{lineno}: header differs from the first dataset's; export all datasets with the same dejafix version")
                    header = header or obj
                    file_header = obj
                    continue
                if file_header is None:
                    raise DataError(f"{path}:{lineno}: commit line before the dataset header; is this a dejafix dataset?")
                validate_record(obj, path, lineno, header)
                records.append(obj)
        if file_header is None:
            raise DataError(f"{path}: no dataset header; export it with `dejafix dataset --out FILE`")
    if header is None:
        raise DataError("no dataset given")
    token_hash = header.get("token_hash") or {}
    if token_hash.get("algorithm") != "fnv1a32" or not isinstance(token_hash.get("dim"), int) or token_hash["dim"] <= 0:
        raise DataError(f"unsupported token_hash {json.dumps(token_hash)}; expected fnv1a32 with a positive dim")
    if not isinstance(header.get("metrics"), list) or not all(isinstance(m, str) for m in header["metrics"]):
        raise DataError("dataset header has no metric list")
    return header, records


def validate_record(obj, path, lineno, header):
    for key in ("repo", "commit", "time", "label"):
        if key not in obj:
            raise DataError(f"{path}:{lineno}: missing field '{key}'")
    if obj["label"] not in (0, 1, True, False):
        raise DataError(f"{path}:{lineno}: label must be 0 or 1, got {json.dumps(obj['label'])}")
    dim = header["token_hash"]["dim"]
    for bag in ("added", "removed"):
        for key, count in (obj.get(bag) or {}).items():
            if not key.isdigit() or int(key) >= dim:
                raise DataError(f"{path}:{lineno}: {bag} bucket '{key}' is outside 0..{dim - 1}")
            if not isinstance(count, (int, float)) or count < 0:
                raise DataError(f"{path}:{lineno}: {bag} count for bucket {key} must be a non-negative number")


# ---------------------------------------------------------------------------------------------
# Features: metrics (raw) then added buckets 0..dim-1 then removed buckets 0..dim-1


def metric_transform(name, train_values):
    if name in LOG1P_METRICS:
        return "log1p"
    if name in IDENTITY_METRICS:
        return "identity"
    # An unknown metric: counts-like (non-negative, beyond 0/1) get log1p, everything else identity.
    finite = [v for v in train_values if not math.isnan(v)]
    return "log1p" if finite and min(finite) >= 0 and max(finite) > 1 else "identity"


def metric_value(raw):
    if raw is None:
        return float("nan")
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, (int, float)) and math.isfinite(raw):
        return float(raw)
    return float("nan")


class Features:
    """Raw feature rows of a list of records, kept sparse for the token part."""

    def __init__(self, records, metric_names, dim):
        import numpy as np

        self.n = len(records)
        self.m = len(metric_names)
        self.dim = dim
        self.width = self.m + 2 * dim
        self.metrics = np.full((self.n, self.m), np.nan, dtype=np.float64)
        self.token_cols = []
        self.token_vals = []
        for i, rec in enumerate(records):
            values = rec.get("metrics") or {}
            for j, name in enumerate(metric_names):
                self.metrics[i, j] = metric_value(values.get(name))
            cols = []
            vals = []
            for offset, bag in ((self.m, rec.get("added") or {}), (self.m + dim, rec.get("removed") or {})):
                for key, count in bag.items():
                    cols.append(offset + int(key))
                    vals.append(float(count))
            self.token_cols.append(np.asarray(cols, dtype=np.int64))
            self.token_vals.append(np.asarray(vals, dtype=np.float32))

    def dense(self, rows, neutral):
        """Raw dense rows (missing metrics replaced by their neutral value) as a float32 array."""
        import numpy as np

        out = np.zeros((len(rows), self.width), dtype=np.float32)
        out[:, : self.m] = self.metric_rows(rows, neutral)
        for k, row in enumerate(rows):
            out[k, self.token_cols[row]] = self.token_vals[row]
        return out

    def metric_rows(self, rows, neutral):
        import numpy as np

        metrics = self.metrics[rows]
        return np.where(np.isnan(metrics), neutral[None, :], metrics).astype(np.float32)

    def batch(self, rows, neutral, device):
        """(raw metrics [B, M], raw token counts as a sparse [B, 2*dim] tensor) for the sparse path."""
        import numpy as np
        import torch

        metrics = torch.from_numpy(self.metric_rows(rows, neutral)).to(device)
        row_index = np.concatenate([np.full(self.token_cols[r].size, k, dtype=np.int64) for k, r in enumerate(rows)] or [np.zeros(0, np.int64)])
        cols = np.concatenate([self.token_cols[r] for r in rows] or [np.zeros(0, np.int64)]) - self.m
        vals = np.concatenate([self.token_vals[r] for r in rows] or [np.zeros(0, np.float32)])
        indices = torch.from_numpy(np.stack([row_index, cols]))
        tokens = torch.sparse_coo_tensor(indices, torch.from_numpy(vals), (len(rows), 2 * self.dim)).to(device)
        return metrics, tokens


# ---------------------------------------------------------------------------------------------
# The model: transforms in the graph, then a linear or MLP core, then a sigmoid


def build_scorer(kind, width, m, log_mask, mean, scale, hidden=64, dropout=0.2):
    import torch
    from torch import nn

    tail_mean = torch.as_tensor(mean, dtype=torch.float32)[m:]
    tail_scale = torch.as_tensor(scale, dtype=torch.float32)[m:]
    if not (bool(torch.all(tail_mean == 0)) and bool(torch.all(tail_scale == 1))):
        raise ValueError("token features must have mean 0 and std 1 so that the sparse path equals the dense one")

    class Scorer(nn.Module):
        def __init__(self):
            super().__init__()
            self.kind = kind
            self.m = m
            self.register_buffer("log_mask", torch.as_tensor(log_mask, dtype=torch.float32))
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
            self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
            if kind == "lr-metrics":
                self.core = nn.Linear(m, 1)
            elif kind == "lr-tokens":
                self.core = nn.Linear(width, 1)
            elif kind == "mlp-tokens":
                self.core = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1))
            else:
                raise ValueError(kind)

        def standardized(self, x):
            t = self.log_mask * torch.log1p(torch.relu(x)) + (1.0 - self.log_mask) * x
            return (t - self.mean) / self.scale

        def logits(self, x):
            """The exported path: dense raw features [N, F]."""
            z = self.standardized(x)
            if self.kind == "lr-metrics":
                z = z[:, : self.m]
            return self.core(z).squeeze(-1)

        def forward(self, x):
            return torch.sigmoid(self.logits(x))

        def sparse_logits(self, metrics, tokens):
            """The training path, same function as `logits`: token features have mean 0 and std 1
            (asserted below), so log1p keeps them sparse and the first layer is a sparse product."""
            m = self.m
            zm = self.standardized_metrics(metrics)
            first = self.core if self.kind != "mlp-tokens" else self.core[0]
            out = zm @ first.weight[:, :m].t() + first.bias
            if self.kind != "lr-metrics":
                zt = torch.sparse_coo_tensor(tokens._indices(), torch.log1p(torch.relu(tokens._values())), tokens.shape)
                out = out + torch.sparse.mm(zt, first.weight[:, m:].t())
            if self.kind == "mlp-tokens":
                out = self.core[3](self.core[2](self.core[1](out)))
            return out.squeeze(-1)

        def standardized_metrics(self, metrics):
            m = self.m
            mask = self.log_mask[:m]
            t = mask * torch.log1p(torch.relu(metrics)) + (1.0 - mask) * metrics
            return (t - self.mean[:m]) / self.scale[:m]

    return Scorer()


def scorer_config(kind, width, m, log_mask, mean, scale):
    return {"kind": kind, "width": width, "m": m, "log_mask": list(map(float, log_mask)), "mean": list(map(float, mean)), "scale": list(map(float, scale))}


# ---------------------------------------------------------------------------------------------
# Evaluation


def roc_auc(labels, scores):
    """Mann-Whitney U with average ranks for ties; None when one class is absent."""
    n = len(labels)
    pos = sum(1 for y in labels if y)
    neg = n - pos
    if pos == 0 or neg == 0:
        return None
    order = sorted(range(n), key=lambda i: scores[i])
    ranks = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = rank
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def best_f1_threshold(labels, scores):
    """Threshold with the highest F1 on these scores (ties: the higher threshold)."""
    pairs = sorted(zip(scores, labels), key=lambda p: -p[0])
    total_pos = sum(labels)
    if total_pos == 0:
        return 0.5
    best = (-1.0, 0.5)
    tp = fp = 0
    for k, (score, label) in enumerate(pairs):
        tp += label
        fp += 1 - label
        if k + 1 < len(pairs) and pairs[k + 1][0] == score:
            continue
        f1 = 2 * tp / (tp + fp + total_pos)
        if f1 > best[0]:
            best = (f1, score)
    return best[1]


def evaluate(labels, scores, effort, threshold):
    n = len(labels)
    pos = sum(labels)
    out = {"n": n, "positives": pos, "base_rate": pos / n if n else None, "roc_auc": roc_auc(labels, scores), "threshold": threshold}
    tp = sum(1 for y, s in zip(labels, scores) if y and s >= threshold)
    fp = sum(1 for y, s in zip(labels, scores) if not y and s >= threshold)
    fn = pos - tp
    tn = n - pos - fp
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / pos if pos else None
    out["precision"] = precision
    out["recall"] = recall
    out["f1"] = 2 * precision * recall / (precision + recall) if precision and recall else (0.0 if precision is not None and recall is not None else None)
    out["false_alarm_rate"] = fp / (fp + tn) if fp + tn else None
    # Capture at k% gating: share of all defect-introducing commits among the riskiest k% of commits.
    by_score = sorted(range(n), key=lambda i: (-scores[i], i))
    capture = {}
    for pct in (5, 10, 20, 50):
        top = by_score[: math.ceil(n * pct / 100)]
        capture[str(pct)] = (sum(labels[i] for i in top) / pos) if pos else None
    out["capture"] = capture
    out["recall_at_20_effort"] = recall_at_effort(labels, effort, by_score, 0.2)
    # JITLine's effort-aware ranking: by score per changed line.
    by_density = sorted(range(n), key=lambda i: (-scores[i] / max(effort[i], 1.0), i))
    out["recall_at_20_effort_density"] = recall_at_effort(labels, effort, by_density, 0.2)
    # Effort-aware figures as JITLine and JIT-Smart publish them (ranked per line); src/eval/figures.ts.
    out["effort_at_20_recall_density"] = effort_at_recall(labels, effort, by_density, 0.2)
    out["popt_density"] = popt(labels, effort, by_density)
    return out


def effort_at_recall(labels, effort, order, share):
    """Share of the total effort reviewed, in `order`, until `share` of the defects are found."""
    total_effort = sum(max(e, 0.0) for e in effort)
    pos = sum(labels)
    if not pos or total_effort <= 0:
        return None
    spent = 0.0
    found = 0
    for i in order:
        spent += max(effort[i], 0.0)
        found += labels[i]
        if found >= share * pos:
            break
    return spent / total_effort


def effort_curve_area(labels, effort, order):
    total_effort = sum(max(e, 0.0) for e in effort)
    pos = sum(labels)
    area = 0.0
    found = 0
    for i in order:
        before = found / pos
        found += labels[i]
        area += max(effort[i], 0.0) / total_effort * (before + found / pos) / 2
    return area


def popt(labels, effort, order):
    """Kamei et al.'s Popt: 1 - (optimal - model) / (optimal - worst) areas of defects found against effort."""
    pos = sum(labels)
    if not pos or sum(max(e, 0.0) for e in effort) <= 0:
        return None
    n = len(labels)
    best = sorted(range(n), key=lambda i: (-labels[i] / max(effort[i], 1.0), i))
    opt = effort_curve_area(labels, effort, best)
    low = effort_curve_area(labels, effort, list(reversed(best)))
    if opt - low <= 0:
        return None
    return 1 - (opt - effort_curve_area(labels, effort, order)) / (opt - low)


def recall_at_effort(labels, effort, order, share):
    """Share of defect-introducing commits found while inspecting, in `order`, commits whose
    effort (la + ld) adds up to at most `share` of the total."""
    total_effort = sum(effort)
    pos = sum(labels)
    if not pos or total_effort <= 0:
        return None
    budget = share * total_effort
    spent = 0.0
    found = 0
    for i in order:
        if spent + effort[i] > budget:
            break
        spent += effort[i]
        found += labels[i]
    return found / pos


# ---------------------------------------------------------------------------------------------
# Splitting and resampling


def split_by_time(records, shares):
    """Per repository, oldest first: the first share to train, the next to validation, the rest to
    test. Ties in time keep dataset order (stable sort), so the split is reproducible."""
    by_repo = {}
    for index, rec in enumerate(records):
        by_repo.setdefault(rec["repo"], []).append(index)
    parts = {"train": [], "validation": [], "test": []}
    for repo in sorted(by_repo):
        indices = sorted(by_repo[repo], key=lambda i: (records[i]["time"], i))
        n = len(indices)
        cut1 = round(n * shares[0])
        cut2 = round(n * (shares[0] + shares[1]))
        parts["train"].extend(indices[:cut1])
        parts["validation"].extend(indices[cut1:cut2])
        parts["test"].extend(indices[cut2:])
    return parts


def resample(train_rows, labels, ratio, rng):
    """Oversample the minority class (with replacement) until majority:minority <= ratio:1."""
    pos = [r for r in train_rows if labels[r]]
    neg = [r for r in train_rows if not labels[r]]
    minority, majority = (pos, neg) if len(pos) <= len(neg) else (neg, pos)
    info = {"before": {"positives": len(pos), "negatives": len(neg)}, "ratio": ratio}
    rows = list(train_rows)
    if ratio and ratio > 0 and minority and len(majority) > ratio * len(minority):
        wanted = math.ceil(len(majority) / ratio)
        rows.extend(rng.choice(minority) for _ in range(wanted - len(minority)))
    info["after"] = {"positives": sum(1 for r in rows if labels[r]), "negatives": sum(1 for r in rows if not labels[r])}
    return rows, info


# ---------------------------------------------------------------------------------------------
# Training


def predict(scorer, feats, rows, neutral, device, batch=1024):
    import torch

    scorer.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(rows), batch):
            metrics, tokens = feats.batch(rows[start : start + batch], neutral, device)
            out.extend(torch.sigmoid(scorer.sparse_logits(metrics, tokens)).cpu().tolist())
    return out


def train_candidate(kind, args, feats, labels, rows, val_rows, neutral, transform, device, seed):
    import numpy as np
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    scorer = build_scorer(kind, feats.width, feats.m, *transform, hidden=args.hidden).to(device)
    model = wrap_for_training(scorer, device)
    if DIST.rank > 0:
        torch.manual_seed(seed * 1000 + DIST.rank)  # own dropout masks; weights come from process 0
    lr = args.lr if kind != "mlp-tokens" else args.lr / 10
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=args.weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    # Distributed: summed over this process's rows, scaled so that the average DDP takes over the
    # processes is the mean over the whole batch, as one process computes it.
    sum_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    y_val = [labels[r] for r in val_rows]
    use_val = 0 < sum(y_val) < len(y_val)
    max_epochs = args.max_epochs if use_val else args.epochs_without_validation
    best = (-1.0, None, 0)
    stale = 0
    epochs = 0
    rows = np.asarray(rows)
    for epoch in range(1, max_epochs + 1):
        scorer.train()
        order = rows[rng.permutation(len(rows))]
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            mine = rank_share(batch)
            metrics, tokens = feats.batch(mine, neutral, device)
            y = torch.tensor([float(labels[r]) for r in mine], device=device)
            optimizer.zero_grad()
            if DIST.active:
                loss = sum_fn(model(metrics, tokens), y) * (DIST.world / len(batch))
            else:
                loss = loss_fn(scorer.sparse_logits(metrics, tokens), y)
            loss.backward()
            optimizer.step()
        epochs = epoch
        if not use_val:
            continue
        auc = roc_auc(y_val, predict_all(scorer, feats, val_rows, neutral, device))
        if auc > best[0] + 1e-6:
            best = (auc, {k: v.detach().clone() for k, v in scorer.state_dict().items()}, epoch)
            stale = 0
        else:
            stale += 1
            if stale >= args.patience:
                break
    if use_val and best[1] is not None:
        scorer.load_state_dict(best[1])
    log(f"  {kind}: {epochs} epochs" + (f", best validation ROC AUC {best[0]:.4f} at epoch {best[2]}" if use_val else " (no validation AUC: fixed epochs)"))
    return scorer, {"epochs_run": epochs, "best_epoch": best[2] if use_val else epochs, "learning_rate": lr}


def export_onnx(scorer, width, path):
    import onnx
    import torch

    scorer = scorer.cpu().eval()
    dummy = torch.zeros((2, width), dtype=torch.float32)
    torch.onnx.export(
        scorer,
        dummy,
        path,
        input_names=["features"],
        output_names=["score"],
        dynamic_axes={"features": {0: "batch"}, "score": {0: "batch"}},
        opset_version=13,
        do_constant_folding=True,
    )
    model = onnx.load(path)
    onnx.checker.check_model(model)
    model.producer_name = "dejafix-train"
    model.doc_string = "dejafix risk score: raw features [N, F] -> probability [N]; see the .meta.json next to this file"
    onnx.save(model, path)


def iso_day(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d")


def describe_part(records, rows):
    if not rows:
        return {"n": 0, "positives": 0, "from": None, "to": None}
    times = [records[r]["time"] for r in rows]
    return {"n": len(rows), "positives": sum(int(bool(records[r]["label"])) for r in rows), "from": iso_day(min(times)), "to": iso_day(max(times))}


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the dejafix risk model and export it as ONNX.")
    parser.add_argument("datasets", nargs="+", help="dataset files (JSON Lines, from `dejafix dataset`)")
    parser.add_argument("--out", required=True, help="path of the ONNX file to write; metadata goes to <name>.meta.json")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", default="60,20,20", help="train,validation,test shares by author time per repository")
    parser.add_argument("--resample-ratio", type=float, default=5.0, help="oversample the minority class in training until majority:minority <= RATIO:1 (0 = off)")
    parser.add_argument("--models", default=",".join(KINDS), help=f"candidates to train, among {', '.join(KINDS)}")
    parser.add_argument("--export", default="best", help="which candidate to export: best (by validation ROC AUC) or a candidate name")
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--patience", type=int, default=6, help="epochs without a better validation ROC AUC before stopping")
    parser.add_argument("--epochs-without-validation", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate of the LR models (the MLP uses a tenth)")
    # The settings the shipped model won with on the corpus's validation part (docs/model-card.md).
    parser.add_argument("--weight-decay", type=float, default=3e-3)
    parser.add_argument("--hidden", type=int, default=32, help="hidden units of the MLP")
    parser.add_argument("--min-commits", type=int, default=10)
    parser.add_argument("--label-source", default="SZZ (the dataset's label field, from `dejafix dataset`)")
    args = parser.parse_args(argv)

    require_packages()
    import numpy as np
    import onnx
    import torch

    try:
        shares = [float(s) for s in args.split.split(",")]
        if len(shares) != 3 or any(s < 0 for s in shares) or sum(shares) <= 0:
            raise ValueError
        shares = [s / sum(shares) for s in shares]
    except ValueError:
        fail(f"--split must be three non-negative numbers like 60,20,20, got '{args.split}'")
    kinds = [k.strip() for k in args.models.split(",") if k.strip()]
    for kind in kinds:
        if kind not in KINDS:
            fail(f"unknown model '{kind}'; choose among {', '.join(KINDS)}")
    if args.export != "best" and args.export not in kinds:
        fail(f"--export {args.export} is not among the trained models ({', '.join(kinds)})")
    if not args.out.endswith(".onnx"):
        fail(f"--out must name an .onnx file, got '{args.out}'")

    if args.device == "cuda" and not torch.cuda.is_available():
        fail("--device cuda was asked for but PyTorch sees no CUDA device; use --device auto or cpu")
    device = init_distributed(args.device)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)

    try:
        header, records = read_datasets(args.datasets)
    except DataError as error:
        fail(str(error))
    metric_names = header["metrics"]
    dim = header["token_hash"]["dim"]
    labels = [int(bool(r["label"])) for r in records]
    n = len(records)
    if n < args.min_commits:
        fail(f"the dataset has {n} commits; at least {args.min_commits} are needed to train and evaluate a model — export more history or add repositories")
    pos = sum(labels)
    if pos == 0 or pos == n:
        which = "defect-introducing (label 1)" if pos == n else "clean (label 0)"
        fail(f"all {n} commits are {which}: a model needs both kinds. Check the fix-commit detection and SZZ labels of the export, or add repositories")

    parts = split_by_time(records, shares)
    train_rows, val_rows, test_rows = parts["train"], parts["validation"], parts["test"]
    train_pos = sum(labels[r] for r in train_rows)
    if train_pos == 0 or train_pos == len(train_rows):
        fail(f"the training part ({len(train_rows)} oldest commits per repository) holds only one class; add history or change --split")
    if not (0 < sum(labels[r] for r in val_rows) < len(val_rows)):
        log("warning: the validation part lacks one of the classes: no early stopping, no validation metrics, no threshold tuning")
    log(f"dejafix train: {n} commits from {len(set(r['repo'] for r in records))} repositories; train {len(train_rows)}, validation {len(val_rows)}, test {len(test_rows)}; device {device}" + (f" in each of {DIST.world} processes ({DIST.backend})" if DIST.active else ""))

    feats = Features(records, metric_names, dim)
    # Transforms from the training part only.
    transforms = []
    log_mask = np.zeros(feats.width, dtype=np.float32)
    mean = np.zeros(feats.width, dtype=np.float32)
    scale = np.ones(feats.width, dtype=np.float32)
    log_mask[feats.m :] = 1.0
    neutral = np.zeros(feats.m, dtype=np.float64)
    for j, name in enumerate(metric_names):
        column = feats.metrics[train_rows, j]
        kind = metric_transform(name, column.tolist())
        finite = column[~np.isnan(column)]
        t = np.log1p(np.maximum(finite, 0)) if kind == "log1p" else finite
        mu = float(t.mean()) if t.size else 0.0
        sd = float(t.std()) if t.size else 1.0
        if not sd > 1e-8:
            sd = 1.0
        log_mask[j] = 1.0 if kind == "log1p" else 0.0
        mean[j] = mu
        scale[j] = sd
        neutral[j] = math.expm1(mu) if kind == "log1p" else mu
        transforms.append({"name": name, "transform": kind, "mean": mu, "std": sd, "neutral": neutral[j], "missing_in_train": int(column.size - finite.size)})
    transform = (log_mask, mean, scale)

    train_resampled, resample_info = resample(train_rows, labels, args.resample_ratio, random.Random(args.seed))
    effort = [metric_or_zero(r, "la") + metric_or_zero(r, "ld") for r in records]

    candidates = {}
    for index, kind in enumerate(kinds):
        scorer, info = train_candidate(kind, args, feats, labels, train_resampled, val_rows, neutral, transform, device, args.seed + index)
        val_scores = predict_all(scorer, feats, val_rows, neutral, device)
        test_scores = predict_all(scorer, feats, test_rows, neutral, device)
        y_val = [labels[r] for r in val_rows]
        y_test = [labels[r] for r in test_rows]
        threshold = best_f1_threshold(y_val, val_scores) if 0 < sum(y_val) < len(y_val) else 0.5
        candidates[kind] = {
            "scorer": scorer,
            "info": info,
            "threshold": threshold,
            "val_scores": val_scores,
            "validation": evaluate(y_val, val_scores, [effort[r] for r in val_rows], threshold),
            "test": evaluate(y_test, test_scores, [effort[r] for r in test_rows], threshold),
        }

    def val_auc(kind):
        auc = candidates[kind]["validation"]["roc_auc"]
        return -1.0 if auc is None else auc

    chosen = args.export if args.export != "best" else max(kinds, key=lambda k: (val_auc(k), -kinds.index(k)))
    best_token = max((k for k in kinds if k != "lr-metrics"), key=val_auc, default=None)
    why = f"{chosen} had the best validation ROC AUC ({fmt(candidates[chosen]['validation']['roc_auc'])})" if args.export == "best" else f"{chosen} was asked for with --export"
    if best_token and best_token != chosen:
        why += f"; the best token model {best_token} reached {fmt(candidates[best_token]['validation']['roc_auc'])}"
    log(f"dejafix train: exporting {chosen}: {why}")

    if DIST.rank > 0:
        finish_distributed()  # process 0 writes the model
        return
    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    base = out[: -len(".onnx")]
    scorer = candidates[chosen]["scorer"].cpu().eval()
    export_onnx(scorer, feats.width, out)
    torch.save({"config": scorer_config(chosen, feats.width, feats.m, *transform), "hidden": args.hidden, "state": scorer.state_dict()}, base + ".pt")

    # Reasons come from a linear model's metric weights: the chosen one when it is linear, else the baseline.
    reason_kind = chosen if chosen in ("lr-metrics", "lr-tokens") else ("lr-metrics" if "lr-metrics" in candidates else None)
    reasons = None
    if reason_kind:
        linear = candidates[reason_kind]["scorer"].core
        weights = linear.weight.detach().cpu().numpy()[0]
        reasons = {"source": reason_kind, "bias": float(linear.bias.detach().cpu()[0]), "weights": {name: float(weights[j]) for j, name in enumerate(metric_names)}}

    val_scores = candidates[chosen]["val_scores"]
    percentile_rows = "validation" if len(val_scores) > 0 else "train"
    if not val_scores:
        val_scores = predict(scorer, feats, train_rows, neutral, torch.device("cpu"))
    percentiles = [float(p) for p in np.percentile(np.asarray(val_scores, dtype=np.float64), list(range(1, 100)))]

    repos = []
    for repo in sorted(set(r["repo"] for r in records)):
        rows = [i for i, r in enumerate(records) if r["repo"] == repo]
        part = describe_part(records, rows)
        repos.append({"repo": repo, "commits": part["n"], "defect_inducing": part["positives"], "from": part["from"], "to": part["to"]})

    meta = {
        "dejafix_model": 1,
        "name": os.path.basename(base),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "python": platform.python_version()},
        "model": {"kind": chosen, "why": why, "hidden": args.hidden if chosen == "mlp-tokens" else None},
        "input": {"name": "features", "dtype": "float32", "shape": ["batch", feats.width]},
        "output": {"name": "score", "dtype": "float32", "shape": ["batch"], "meaning": "probability that the commit introduces a defect (trained with the minority class resampled; use percentiles to compare)"},
        "features": {
            "metrics": metric_names,
            "token_hash": header["token_hash"],
            "token_bags": ["added", "removed"],
            "order": "metrics in the listed order, then added buckets 0..dim-1, then removed buckets 0..dim-1",
            "width": feats.width,
        },
        "transforms": {
            "in_graph": True,
            "note": "feed RAW values; the graph computes z = (t - mean) / std with t = log1p(max(x, 0)) or t = x; missing metrics are fed as 'neutral' (z = 0)",
            "metrics": transforms,
            "tokens": {"transform": "log1p", "mean": 0.0, "std": 1.0},
        },
        "reasons": reasons,
        "threshold": {"value": candidates[chosen]["threshold"], "chosen_by": "highest F1 on the validation part"},
        "percentiles": {"source": percentile_rows, "n": len(val_scores), "values": percentiles},
        "metrics": {"validation": candidates[chosen]["validation"], "test": candidates[chosen]["test"]},
        "candidates": [
            {"kind": k, **candidates[k]["info"], "threshold": candidates[k]["threshold"], "validation": candidates[k]["validation"], "test": candidates[k]["test"]}
            for k in kinds
        ],
        "training": {
            "seed": args.seed,
            "device": str(device),
            "split": {"shares": shares, "how": "per repository by author time (oldest first), then pooled"},
            "resampling": resample_info,
            "batch_size": args.batch_size,
            "weight_decay": args.weight_decay,
            "max_epochs": args.max_epochs,
            "patience": args.patience,
            "early_stopping": "validation ROC AUC",
            "processes": DIST.world,
            "backend": DIST.backend,
        },
        "provenance": {
            "datasets": [{"file": os.path.basename(p), "sha256": file_digest(p)} for p in args.datasets],
            "label_source": args.label_source,
            "repos": repos,
            "parts": {name: describe_part(records, rows) for name, rows in parts.items()},
        },
    }
    with open(base + ".meta.json", "w", encoding="utf-8") as handle:
        json.dump(meta, handle, indent=2, allow_nan=False)
        handle.write("\n")
    summary = {
        "model": out,
        "meta": base + ".meta.json",
        "checkpoint": base + ".pt",
        "kind": chosen,
        "validation_auc": candidates[chosen]["validation"]["roc_auc"],
        "test_auc": candidates[chosen]["test"]["roc_auc"],
        "device": str(device),
    }
    print(json.dumps(summary), flush=True)
    finish_distributed()


def metric_or_zero(record, name):
    value = metric_value((record.get("metrics") or {}).get(name))
    return 0.0 if math.isnan(value) else max(value, 0.0)


def fmt(value):
    return "n/a" if value is None else f"{value:.4f}"


if __name__ == "__main__":
    main()
