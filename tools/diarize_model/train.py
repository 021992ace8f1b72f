#!/usr/bin/env python3
"""Train one demo diarization model, resumable, within a wall-clock budget.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OMP_NUM_THREADS=1 \
        nohup /usr/bin/python3 tools/diarize_model/train.py --model seg --budget-s 2100 &

seg: the segmentation model on 10 s chunks composed on the fly from bank.npz (seeded), PIT
powerset loss; validation = loss and frame error on 10 s windows of the held-out conversations.
emb: the embedding model, AM-softmax over the 60 training speakers on 1-3 s crops of a speaker's
phrases; validation = EER on same/different-speaker pairs of held-out and unseen crops.
Checkpoints: tools/.work/diarize/ckpt/{seg,emb}_{last,best}.pt; logs: tools/.work/diarize/{seg,emb}.log.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv import SAMPLE_RATE, TRAIN_SPEAKERS, WORK, Bank, quantize, read_rttm, read_wav  # noqa: E402
from fbank import fbank  # noqa: E402
from models import (NUM_FRAMES, WINDOW, AMSoftmax, Embedding, Segmentation, frame_activity,  # noqa: E402
                    pit_powerset_loss, powerset_to_activity)

CKPT = os.path.join(WORK, "ckpt")


def load_split(split):
    with open(os.path.join(WORK, split, "index.json")) as f:
        index = json.load(f)
    return [(e["name"], read_wav(os.path.join(WORK, split, e["name"] + ".wav")),
             read_rttm(os.path.join(WORK, split, e["name"] + ".rttm"))) for e in index]


def local_order(segs, lo, hi):
    """Speakers active in [lo, hi), numbered by first appearance."""
    order = {}
    for s, e, k in sorted(segs):
        if e > lo and s < hi and k not in order:
            order[k] = len(order)
    return order


def seg_val_set(convs):
    xs, acts = [], []
    for _, audio, segs in convs:
        for start in range(0, max(1, len(audio) - WINDOW + 1), 7 * SAMPLE_RATE):
            x = np.zeros(WINDOW, np.float32)
            piece = audio[start:start + WINDOW]
            x[:len(piece)] = piece
            xs.append(torch.from_numpy(x))
            acts.append(frame_activity(segs, start / SAMPLE_RATE,
                                       local_order(segs, start / SAMPLE_RATE, (start + WINDOW) / SAMPLE_RATE)))
    return torch.stack(xs).unsqueeze(1), torch.stack(acts)


def seg_batch(bank, rng, batch):
    xs, acts = [], []
    for _ in range(batch):
        n_local = int(rng.choice([1, 2, 3], p=[0.15, 0.5, 0.35]))
        audio, segs, _ = bank.chunk(rng, n_local)
        if rng.random() < 0.05:  # silence / noise only
            audio = quantize(rng.standard_normal(WINDOW).astype(np.float32) * 10 ** (rng.uniform(-70, -40) / 20))
            segs = []
        xs.append(torch.from_numpy(audio))
        acts.append(frame_activity(segs, 0.0, local_order(segs, 0, 10)))
    return torch.stack(xs).unsqueeze(1), torch.stack(acts)


def seg_frame_error(model, x, act):
    """Frame-level error under the best permutation (a quick local-DER proxy)."""
    from models import PERMS
    with torch.no_grad():
        logp = torch.cat([model(x[i:i + 16]) for i in range(0, len(x), 16)])
        loss = pit_powerset_loss(logp, act).item()
        hyp = powerset_to_activity(logp)
    errs = torch.stack([(hyp[..., list(p)] != act).float().sum((1, 2)) for p in PERMS], 1).min(1).values
    return loss, float(errs.sum() / act.sum().clamp(min=1))


def speaker_crops(convs, rng, per_speaker, length_s):
    """Crops of one speaker's non-overlapped speech (phrases concatenated) -> [(audio, speaker)]."""
    out = []
    for _, audio, segs in convs:
        for spk in sorted({k for _, _, k in segs}):
            mine = [(s, e) for s, e, k in segs if k == spk and
                    not any(k2 != spk and s2 < e and e2 > s for s2, e2, k2 in segs)]
            pieces = [audio[int(s * SAMPLE_RATE):int(e * SAMPLE_RATE)] for s, e in mine]
            speech = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
            n = int(length_s * SAMPLE_RATE)
            for _ in range(per_speaker):
                if len(speech) <= n:
                    break
                a = int(rng.integers(0, len(speech) - n))
                out.append((speech[a:a + n], spk))
    return out


def eer(scores, same):
    """Equal error rate of cosine scores (same-speaker pairs should score higher)."""
    order = np.argsort(-scores)
    same = same[order]
    tp = np.cumsum(same) / max(1, same.sum())
    fp = np.cumsum(~same) / max(1, (~same).sum())
    i = int(np.argmin(np.abs((1 - tp) - fp)))
    return float(((1 - tp[i]) + fp[i]) / 2)


def embed_all(model, crops):
    with torch.no_grad():
        feats = torch.stack([fbank(a) for a, _ in crops])
        return F.normalize(torch.cat([model(feats[i:i + 64]) for i in range(0, len(feats), 64)]), dim=-1)


def emb_val(model, crops):
    e = embed_all(model, crops)
    lab = np.array([k for _, k in crops])
    sim = (e @ e.t()).numpy()
    iu = np.triu_indices(len(crops), 1)
    same = lab[iu[0]] == lab[iu[1]]
    s = sim[iu]
    return eer(s, same), float(1 - s[same].mean()), float(1 - s[~same].mean())


def speaker_crop(bank, rng, spk, n):
    """n samples of speaker spk: phrases with 0-0.3 s gaps, random gain, light noise."""
    parts, total = [], 0
    while total < n + 2 * SAMPLE_RATE:
        p = bank.phrase(rng, spk)
        gap = np.zeros(int(rng.uniform(0.0, 0.3) * SAMPLE_RATE), np.float32)
        parts += [p, gap]
        total += len(p) + len(gap)
    x = np.concatenate(parts)
    a = int(rng.integers(0, len(x) - n))
    x = x[a:a + n] * np.float32(10 ** (rng.uniform(-10, 0) / 20))
    x = x + rng.standard_normal(n).astype(np.float32) * np.float32(10 ** (rng.uniform(-65, -40) / 20))
    return quantize(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["seg", "emb"], required=True)
    ap.add_argument("--budget-s", type=float, default=2100)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--val-every", type=int, default=150)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    os.makedirs(CKPT, exist_ok=True)
    log = open(os.path.join(WORK, f"{a.model}.log"), "a")
    bank = Bank()
    heldout = load_split("heldout")
    if a.model == "seg":
        model, head = Segmentation(), None
        batch = a.batch or 16
        vx, vact = seg_val_set(heldout[:8])
    else:
        model, head = Embedding(), AMSoftmax(128, len(TRAIN_SPEAKERS))
        batch = a.batch or 64
        vrng = np.random.default_rng(5)
        vcrops = speaker_crops(heldout[:12], vrng, 4, 2.0)
        ucrops = speaker_crops(load_split("unseen"), vrng, 4, 2.0)
    params = list(model.parameters()) + (list(head.parameters()) if head else [])
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-4)
    state = {"step": 0, "elapsed": 0.0, "best": math.inf}
    last = os.path.join(CKPT, f"{a.model}_last.pt")
    if os.path.exists(last):
        ck = torch.load(last)
        model.load_state_dict(ck["model"])
        if head:
            head.load_state_dict(ck["head"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        print(f"resumed at step {state['step']}", flush=True)
    rng = np.random.default_rng(a.seed * 1000 + state["step"])
    t0 = time.time() - state["elapsed"]

    def save(path):
        torch.save({"model": model.state_dict(), "head": head.state_dict() if head else None,
                    "opt": opt.state_dict(), "state": state}, path)

    while True:
        elapsed = time.time() - t0
        frac = min(1.0, elapsed / a.budget_s)
        lr = a.lr * min(1.0, (state["step"] + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        if a.model == "seg":
            x, act = seg_batch(bank, rng, batch)
            loss = pit_powerset_loss(model(x), act)
            acc = None
        else:
            n = int(rng.uniform(1.0, 3.0) * SAMPLE_RATE)
            spk = rng.integers(0, len(TRAIN_SPEAKERS), batch)
            feats = torch.stack([fbank(speaker_crop(bank, rng, int(s), n)) for s in spk])
            loss, acc = head(model(feats), torch.from_numpy(spk).long(), margin=0.2 * min(1.0, frac / 0.2))
        if not torch.isfinite(loss):
            print(f"step {state['step']}: non-finite loss, skipped", flush=True)
            opt.zero_grad()
            state["step"] += 1
            continue
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        state["step"] += 1
        state["elapsed"] = time.time() - t0
        done = state["elapsed"] >= a.budget_s
        if state["step"] % a.val_every == 0 or done:
            model.eval()
            rec = {"step": state["step"], "elapsed": round(state["elapsed"]), "lr": lr, "loss": round(loss.item(), 4)}
            if a.model == "seg":
                vl, fe = seg_frame_error(model, vx, vact)
                rec.update(val_loss=round(vl, 4), val_frame_err=round(fe, 4))
                score = fe
            else:
                e1, dsame, ddiff = emb_val(model, vcrops)
                e2, usame, udiff = emb_val(model, ucrops)
                rec.update(acc=round(acc.item(), 3), heldout_eer=round(e1, 4), heldout_dist_same=round(dsame, 3),
                           heldout_dist_diff=round(ddiff, 3), unseen_eer=round(e2, 4))
                score = e1 + 0.5 * e2
            if score < state["best"]:
                state["best"] = score
                save(os.path.join(CKPT, f"{a.model}_best.pt"))
                rec["best"] = True
            save(last)
            print(json.dumps(rec), file=log, flush=True)
            print(json.dumps(rec), flush=True)
        if done:
            break


if __name__ == "__main__":
    main()
