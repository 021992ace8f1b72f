#!/usr/bin/env python3
"""Evaluate the demo diarization models with a simple pyannote-style pipeline (torch models).

1. sliding 10 s windows, 1 s step -> segmentation -> powerset argmax -> per-speaker activity;
2. per (window, local speaker): embedding of the samples of its non-overlapped frames
   (all its frames if fewer than MIN_CLEAN clean ones; none if fewer than MIN_CLEAN at all);
3. agglomerative clustering (cosine distance, average linkage, stop at THRESHOLD; clusters of
   fewer than MIN_CLUSTER_SIZE embeddings or 10% of them joined to the nearest larger one), then per
   window a one-to-one assignment of local speakers to cluster centroids;
4. per cluster, the mean activity over the windows covering each frame >= 0.5, then
   min on 0.3 s / min off 0.5 s;
5. DER against the RTTM with a 0.25 s collar on each side of every reference boundary,
   overlapped speech scored, optimal one-to-one speaker mapping.
Also the embedding EER / cosine distances on 2 s held-out and unseen-speaker crops.

    python3 tools/diarize_model/evaluate.py [--threshold 0.5] [--sweep]
-> tools/.work/diarize/eval.json (eval-per-run.json with --per-run)
"""
import argparse
import itertools
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv import SAMPLE_RATE, WORK  # noqa: E402
from fbank import fbank  # noqa: E402
from models import FRAME_SHIFT, NUM_FRAMES, RECEPTIVE_FIELD, WINDOW, Embedding, Segmentation, powerset_to_activity  # noqa: E402
from train import emb_val, load_split, speaker_crops  # noqa: E402

STEP = SAMPLE_RATE
MIN_CLEAN = 15  # frames (~0.25 s)
MIN_CLUSTER_SIZE = 10  # embeddings
MIN_CLUSTER_FRACTION = 0.1  # of all the conversation's embeddings
MIN_ON, MIN_OFF, COLLAR = 0.3, 0.5, 0.25
DT = 0.01


def load_models():
    seg, emb = Segmentation(), Embedding()
    seg.load_state_dict(torch.load(os.path.join(WORK, "ckpt", "seg_best.pt"))["model"])
    emb.load_state_dict(torch.load(os.path.join(WORK, "ckpt", "emb_best.pt"))["model"])
    return seg.eval(), emb.eval()


def windows(audio):
    starts = list(range(0, max(len(audio) - WINDOW, 0) + 1, STEP))
    if starts[-1] + WINDOW < len(audio):
        starts.append(len(audio) - WINDOW)
    xs = np.zeros((len(starts), WINDOW), np.float32)
    for i, s in enumerate(starts):
        piece = audio[s:s + WINDOW]
        xs[i, :len(piece)] = piece
    return starts, xs


def runs_of(frames):
    """Sorted frame indices -> list of arrays of consecutive frames."""
    return np.split(frames, np.flatnonzero(np.diff(frames) > 1) + 1) if len(frames) else []


def local_embeddings(seg, emb, audio, per_run=False):
    """-> starts, list of (window, local speaker, its active frames, embedding).
    per_run: one item per contiguous run of a local speaker's activity instead of one per
    local speaker (so a local speaker that the segmentation merged from two real ones is split)."""
    starts, xs = windows(audio)
    with torch.no_grad():
        logp = torch.cat([seg(torch.from_numpy(xs[i:i + 8]).unsqueeze(1)) for i in range(0, len(xs), 8)])
    act = powerset_to_activity(logp).numpy()
    items = []
    half = FRAME_SHIFT // 2
    for w, s in enumerate(starts):
        alone = act[w].sum(-1) == 1
        for j in range(3):
            active = np.flatnonzero(act[w, :, j] > 0)
            for part in (runs_of(active) if per_run else [active]):
                frames = part[alone[part]]
                if len(frames) < MIN_CLEAN:
                    frames = part
                    if len(frames) < MIN_CLEAN:
                        continue
                mask = np.zeros(WINDOW, bool)
                for f in frames:
                    c = f * FRAME_SHIFT + RECEPTIVE_FIELD // 2
                    mask[c - half:c + half] = True
                with torch.no_grad():
                    e = F.normalize(emb(fbank(xs[w][mask]).unsqueeze(0)), dim=-1)[0].numpy()
                items.append((w, j, part, e))
    return starts, items


def cluster(embs, threshold):
    """Average-linkage agglomerative clustering on cosine distance (Lance-Williams updates),
    merging while the closest pair of clusters is nearer than threshold -> labels 0..k-1."""
    n = len(embs)
    if n == 0:
        return np.zeros(0, int)
    e = np.stack(embs).astype(np.float64)
    d = 1 - e @ e.T
    np.fill_diagonal(d, np.inf)
    size = np.ones(n)
    labels = np.arange(n)
    for _ in range(n - 1):
        i, j = np.unravel_index(np.argmin(d), d.shape)
        if d[i, j] >= threshold:
            break
        row = (size[i] * d[i] + size[j] * d[j]) / (size[i] + size[j])
        d[i, :] = row
        d[:, i] = row
        d[i, i] = np.inf
        d[j, :] = np.inf
        d[:, j] = np.inf
        size[i] += size[j]
        labels[labels == j] = i
    labels = np.unique(labels, return_inverse=True)[1]
    # as pyannote: clusters smaller than MIN_CLUSTER_SIZE go to the nearest large cluster
    sizes = np.bincount(labels)
    large = np.flatnonzero(sizes >= max(MIN_CLUSTER_SIZE, MIN_CLUSTER_FRACTION * n))
    if 0 < len(large) < len(sizes):
        cent = np.stack([e[labels == c].mean(0) for c in large])
        cent /= np.linalg.norm(cent, axis=1, keepdims=True)
        small = ~np.isin(labels, large)
        labels[small] = large[(e[small] @ cent.T).argmax(1)]
        labels = np.unique(labels, return_inverse=True)[1]
    return labels


def best_assignment(score):
    """score [r, c] -> list of (row, col) one-to-one maximising the sum (brute force, small)."""
    r, c = score.shape
    best, pairs = -np.inf, []
    if r <= c:
        for cols in itertools.permutations(range(c), r):
            v = sum(score[i, cols[i]] for i in range(r))
            if v > best:
                best, pairs = v, list(zip(range(r), cols))
    else:
        for rows in itertools.permutations(range(r), c):
            v = sum(score[rows[j], j] for j in range(c))
            if v > best:
                best, pairs = v, list(zip(rows, range(c)))
    return pairs


def diarize(starts, items, threshold, n_samples, per_run=False):
    """-> hypothesis segments [(start_s, end_s, cluster)]."""
    labels = cluster([it[3] for it in items], threshold)
    k = int(labels.max()) + 1 if len(labels) else 0
    cent = np.stack([F.normalize(torch.from_numpy(np.mean([items[i][3] for i in np.flatnonzero(labels == c)], 0)),
                                 dim=0).numpy() for c in range(k)]) if k else np.zeros((0, 1))
    n_global = int(np.ceil(n_samples / FRAME_SHIFT)) + 2
    score = np.zeros((max(k, 1), n_global))
    count = np.zeros(n_global)
    by_window = {}
    for it in items:
        by_window.setdefault(it[0], []).append(it)
    for w, s in enumerate(starts):
        g = np.clip(np.round((s + np.arange(NUM_FRAMES) * FRAME_SHIFT) / FRAME_SHIFT).astype(int), 0, n_global - 1)
        valid = (s + np.arange(NUM_FRAMES) * FRAME_SHIFT + RECEPTIVE_FIELD // 2) < n_samples
        count[g[valid]] += 1
        local = by_window.get(w, [])
        if not local or not k:
            continue
        sim = np.stack([it[3] for it in local]) @ cent.T
        pairs = [(i, int(sim[i].argmax())) for i in range(len(local))] if per_run else best_assignment(sim)
        for li, c in pairs:
            frames = local[li][2]
            score[c, g[frames[valid[frames]]]] += 1
    prob = score / np.maximum(count, 1)
    segs = []
    for c in range(k):
        on = prob[c] >= 0.5
        runs = []
        i = 0
        while i < n_global:
            if on[i]:
                j = i
                while j < n_global and on[j]:
                    j += 1
                t0 = (i * FRAME_SHIFT + RECEPTIVE_FIELD / 2 - FRAME_SHIFT / 2) / SAMPLE_RATE
                t1 = ((j - 1) * FRAME_SHIFT + RECEPTIVE_FIELD / 2 + FRAME_SHIFT / 2) / SAMPLE_RATE
                runs.append([max(0.0, t0), min(t1, n_samples / SAMPLE_RATE)])
                i = j
            else:
                i += 1
        merged = []
        for r in runs:
            if merged and r[0] - merged[-1][1] < MIN_OFF:
                merged[-1][1] = r[1]
            else:
                merged.append(r)
        segs += [(a, b, c) for a, b in merged if b - a >= MIN_ON]
    return segs


def der(ref, hyp, duration):
    """ref/hyp [(start, end, label)] -> dict of miss, fa, conf, total (seconds)."""
    n = int(np.ceil(duration / DT)) + 1
    t = (np.arange(n) + 0.5) * DT

    def mat(segs):
        names = sorted({k for _, _, k in segs}, key=str)
        m = np.zeros((len(names), n), bool)
        for s, e, k in segs:
            m[names.index(k)] |= (t >= s) & (t < e)
        return m
    R, H = mat(ref), mat(hyp)
    keep = np.ones(n, bool)
    for s, e, _ in ref:
        for b in (s, e):
            keep &= np.abs(t - b) > COLLAR
    R, H = R[:, keep], H[:, keep]
    overlap = (R[:, None, :] & H[None, :, :]).sum(-1).astype(float)
    corr = sum(overlap[i, j] for i, j in best_assignment(overlap)) if len(R) and len(H) else 0.0
    nr, nh = R.sum(0), H.sum(0)
    return {"miss": float(np.maximum(nr - nh, 0).sum() * DT), "fa": float(np.maximum(nh - nr, 0).sum() * DT),
            "conf": float((np.minimum(nr, nh).sum() - corr) * DT), "total": float(nr.sum() * DT)}


def score_split(convs, cache, threshold, per_run=False):
    tot = {"miss": 0.0, "fa": 0.0, "conf": 0.0, "total": 0.0}
    per = []
    for (name, audio, ref), (starts, items) in zip(convs, cache):
        hyp = diarize(starts, items, threshold, len(audio), per_run)
        d = der(ref, hyp, len(audio) / SAMPLE_RATE)
        for key in tot:
            tot[key] += d[key]
        per.append({"name": name, "der": round((d["miss"] + d["fa"] + d["conf"]) / max(d["total"], 1e-9), 4),
                    "n_ref": len({k for _, _, k in ref}), "n_hyp": len({k for _, _, k in hyp})})
    out = {k: round(v / max(tot["total"], 1e-9), 4) for k, v in tot.items() if k != "total"}
    out["der"] = round(out["miss"] + out["fa"] + out["conf"], 4)
    out["speaker_count_correct"] = sum(p["n_ref"] == p["n_hyp"] for p in per)
    out["conversations"] = len(per)
    return out, per


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--per-run", action="store_true", help="one embedding per run of a local speaker's activity")
    a = ap.parse_args()
    torch.set_num_threads(1)
    seg, emb = load_models()
    result = {"pipeline": {"window_s": 10, "step_s": 1, "min_on_s": MIN_ON, "min_off_s": MIN_OFF, "collar_s": COLLAR,
                           "linkage": "average", "metric": "cosine",
                           "min_cluster_size": MIN_CLUSTER_SIZE, "min_cluster_fraction": MIN_CLUSTER_FRACTION, "min_clean_frames": MIN_CLEAN}}
    rng = np.random.default_rng(5)
    for split in ("heldout", "unseen"):
        convs = load_split(split)
        e, ds, dd = emb_val(emb, speaker_crops(convs, rng, 4, 2.0))
        result[f"{split}_embedding"] = {"eer": round(e, 4), "mean_cos_dist_same": round(ds, 3),
                                        "mean_cos_dist_diff": round(dd, 3), "crop_s": 2.0}
        cache = [local_embeddings(seg, emb, audio, a.per_run) for _, audio, _ in convs]
        if a.sweep:
            result[f"{split}_sweep"] = {str(th): score_split(convs, cache, th, a.per_run)[0]["der"]
                                        for th in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)}
        tot, per = score_split(convs, cache, a.threshold, a.per_run)
        result[split] = {"threshold": a.threshold, "per_run": a.per_run, **tot, "per_conversation": per}
        print(split, json.dumps({k: v for k, v in result[split].items() if k != "per_conversation"}),
              result.get(f"{split}_sweep", ""), result[f"{split}_embedding"], flush=True)
    with open(os.path.join(WORK, "eval-per-run.json" if a.per_run else "eval.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
