#!/usr/bin/env python3
"""Train the demo alignment model: CTC over characters (on the paths WhisperX's trellis
allows) plus frame losses from the true word boundaries, on cached log-mel features (the
front end has no parameters). Resumable.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
        nohup /usr/bin/python3 tools/align_model/train.py &

Checkpoints: tools/.work/align/ckpt/{last,best}.pt (best = most held-out word starts within
100 ms); log: tools/.work/align/train.log (JSON lines). Re-running resumes from last.pt.
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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from align_model.alignment import align_segment  # noqa: E402
from align_model.common import BLANK, CKPT, SAMPLE_RATE, SEPARATOR, VOCAB, WORK, Split, encode  # noqa: E402
from align_model.model import LOG_FLOOR, AlignModel  # noqa: E402

OUTSIDE_MARGIN_S = 0.03  # frames this far from every word must be blank or '|'
NEG = -1e5  # a finite "log 0": logaddexp(-inf, -inf) has a NaN gradient


def trellis_ctc(lp, targets, lengths):
    """-log P(transcript) summed over the paths WhisperX's trellis allows: every token is
    emitted on exactly one frame and every other frame is blank (no repeated-token frames,
    unlike standard CTC). Training on these paths makes the emissions one-frame spikes,
    which is what get_trellis/backtrack assume; a model that holds a character for several
    frames gets its later words pulled early. lp: [B, T, V] log-probs -> [B] losses."""
    B, T, _ = lp.shape
    N = max(len(t) for t in targets)
    tok = torch.zeros(B, N, dtype=torch.long)
    for b, t in enumerate(targets):
        tok[b, :len(t)] = t
    emit = lp.gather(2, tok[:, None, :].expand(B, T, N))  # [B, T, N]
    blank = lp[:, :, BLANK]
    alpha = torch.full((B, N + 1), NEG)
    alpha[:, 0] = 0.0
    pad = torch.full((B, 1), NEG)
    for t in range(T):
        new = torch.logaddexp(alpha + blank[:, t:t + 1], torch.cat([pad, alpha[:, :-1] + emit[:, t]], dim=1))
        alpha = torch.where((t < lengths)[:, None], new, alpha)
    return -alpha[torch.arange(B), torch.tensor([len(t) for t in targets])]


def features(model, split):
    """Front end run on each utterance alone (its normalisation is per utterance)."""
    out = []
    with torch.no_grad():
        for i in range(len(split)):
            out.append(model.frontend(torch.from_numpy(split.waveform(i))[None])[0])
    return out


def frame_targets(entry, n_frames):
    """Each word's first-character frame (time = frame * duration / frames, as WhisperX maps
    frames to seconds) and the mask of frames well outside every word."""
    duration = entry["num_samples"] / SAMPLE_RATE
    ratio = duration / n_frames
    starts = [(min(n_frames - 1, round(w["start"] / ratio)), VOCAB[w["word"][0]]) for w in entry["words"]]
    t = np.arange(n_frames) * ratio
    inside = np.zeros(n_frames, bool)
    for w in entry["words"]:
        inside |= (t + ratio > w["start"] - OUTSIDE_MARGIN_S) & (t < w["end"] + OUTSIDE_MARGIN_S)
    return starts, torch.from_numpy(~inside)


def losses(net, batch):
    feats, entries = batch
    lengths = torch.tensor([f.shape[1] for f in feats])
    T = int(lengths.max())
    x = torch.full((len(feats), feats[0].shape[0], T), math.log(LOG_FLOOR))
    for b, f in enumerate(feats):
        x[b, :, :f.shape[1]] = f
    lp = F.log_softmax(net(x).float(), dim=-1)  # [B, T, V]
    targets = [torch.tensor(encode(e["text"])) for e in entries]
    tgt_len = torch.tensor([len(t) for t in targets])
    ctc = trellis_ctc(lp, targets, lengths).sum() / tgt_len.sum()
    start_terms, outside_terms = [], []
    for b, e in enumerate(entries):
        n = int(lengths[b])
        starts, outside = frame_targets(e, n)
        start_terms += [lp[b, j, c] for j, c in starts]
        if outside.any():
            not_char = torch.logsumexp(lp[b, :n][:, [BLANK, SEPARATOR]], dim=-1)
            outside_terms.append(not_char[outside])
    start = -torch.stack(start_terms).mean()
    outside = -torch.cat(outside_terms).mean()
    return ctc, start, outside


def batches(entries_len, batch_size, rng):
    """Length-bucketed batches: shuffle, sort windows of 50 batches by length, cut, shuffle."""
    order = rng.permutation(len(entries_len))
    out = []
    win = batch_size * 50
    for k in range(0, len(order), win):
        chunk = sorted(order[k:k + win], key=lambda i: entries_len[i])
        out += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [out[i] for i in rng.permutation(len(out))]


def evaluate(model, split, ids):
    """WhisperX alignment of whole utterances: fraction of word starts within 100 ms, MAE (s)."""
    errs, failed = [], 0
    with torch.no_grad():
        for i in ids:
            e = split.index[i]
            logits = model(torch.from_numpy(split.waveform(i))[None])[0]
            res = align_segment(logits, e["text"], 0.0, e["num_samples"] / SAMPLE_RATE, VOCAB)
            if res is None:
                failed += 1
                errs += [1.0] * len(e["words"])
                continue
            errs += [abs(p["start"] - w["start"]) for p, w in zip(res["words"], e["words"])]
    errs = np.array(errs)
    return {"within_100ms": float((errs <= 0.1).mean()), "mae_s": float(errs.mean()), "failed": failed}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--budget-s", type=float, default=2400, help="stop (and keep the checkpoints) after this")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--train-split", default="train", help="another split for a quick smoke run")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    os.makedirs(CKPT, exist_ok=True)
    log = open(os.path.join(WORK, "train.log"), "a")

    model = AlignModel()
    train, heldout = Split(args.train_split), Split("heldout")
    t0 = time.time()
    feats = features(model, train)
    allf = torch.cat(feats[:2000], dim=1)
    model.net.feat_mean.copy_(allf.mean(dim=1, keepdim=True))
    model.net.feat_std.copy_(allf.std(dim=1, keepdim=True) + 1e-3)
    print(f"features: {len(feats)} utterances in {time.time() - t0:.0f} s", flush=True)

    opt = torch.optim.Adam(model.net.parameters(), lr=args.lr)
    step, best = 0, None
    last = os.path.join(CKPT, "last.pt")
    if os.path.exists(last):
        ck = torch.load(last)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, best = ck["step"], ck["best"]
        print("resumed at step", step, flush=True)
    rng = np.random.default_rng(args.seed + step)
    lengths = [f.shape[1] for f in feats]
    eval_ids = list(range(0, len(heldout), 3))[:100]
    queue, t_start, skipped = [], time.time(), 0
    while step < args.steps and time.time() - t_start < args.budget_s:
        if not queue:
            queue = batches(lengths, args.batch, rng)
        ids = queue.pop()
        lr = args.lr * min(1.0, (step + 1) / 200) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / args.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        ctc, start, outside = losses(model.net, ([feats[i] for i in ids], [train.index[i] for i in ids]))
        loss = ctc + start + outside
        if not torch.isfinite(loss):
            skipped += 1  # NaN guard: drop the batch
            opt.zero_grad()
            step += 1
            continue
        opt.zero_grad()
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.net.parameters(), 5.0)
        if torch.isfinite(gn):
            opt.step()
        else:
            skipped += 1
        step += 1
        if step % 50 == 0:
            rec = {"step": step, "ctc": round(ctc.item(), 4), "start": round(start.item(), 4),
                   "outside": round(outside.item(), 4), "lr": round(lr, 6), "gn": round(float(gn), 3),
                   "skipped": skipped, "elapsed_s": round(time.time() - t_start)}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
        if step % args.eval_every == 0 or step == args.steps:
            model.eval()
            m = evaluate(model, heldout, eval_ids)
            rec = {"step": step, "eval": m, "elapsed_s": round(time.time() - t_start)}
            score = (m["within_100ms"], -m["mae_s"])
            if best is None or score > tuple(best):
                best = list(score)
                torch.save({"model": model.state_dict(), "step": step, "eval": m}, os.path.join(CKPT, "best.pt"))
                rec["best"] = True
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "best": best}, last)
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
    model.eval()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "best": best}, last)
    print("done", step, "steps", round(time.time() - t_start), "s", flush=True)


if __name__ == "__main__":
    main()
