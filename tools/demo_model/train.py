#!/usr/bin/env python3
"""Train the demo model (joint CTC + attention), resumable, with WER evaluated as it goes.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
        nohup /usr/bin/python3 tools/demo_model/train.py &

Checkpoints: tools/.work/demo/ckpt/{last,best}.pt; log: tools/.work/demo/train.log (JSON lines).
Re-running resumes from last.pt.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from demo_model.common import N_FRAMES, WORK, Split, demo_dims, target_tokens, tokenizer, wer_counts  # noqa: E402
from whisper_onnx.decode import greedy  # noqa: E402
from whisper_onnx.export import suppress_tokens  # noqa: E402
from whisper_onnx.model import Whisper  # noqa: E402

CKPT = os.path.join(WORK, "ckpt")


class DemoTrainer(nn.Module):
    """The exported model plus the training-only CTC head over the kept rows (+ blank)."""

    def __init__(self, dims):
        super().__init__()
        self.model = Whisper(dims)
        self.kept = sorted(set(dims.kept_token_ids))
        self.compact = {t: i for i, t in enumerate(self.kept)}
        self.ctc_head = nn.Linear(dims.d_model, len(self.kept) + 1)

    def losses(self, feats, token_lists, entries=None, align_weight=0.0):
        tok = tokenizer()
        low = self.model.encoder.forward_low_rate(feats)  # == forward() up to the x4 repeat
        prompt = [tok.sot, tok.no_timestamps]
        T = max(len(t) for t in token_lists) + 1
        ids = torch.full((len(token_lists), len(prompt) + T - 1), tok.eot, dtype=torch.long)
        tgt = torch.full((len(token_lists), len(prompt) + T - 1), -100, dtype=torch.long)
        for b, toks in enumerate(token_lists):
            seq = prompt + toks
            ids[b, :len(seq)] = torch.tensor(seq)
            full_t = toks + [tok.eot]
            tgt[b, len(prompt) - 1:len(prompt) - 1 + len(full_t)] = torch.tensor([self.compact[t] for t in full_t])
        dec = self.model.decoder
        h, _ = dec.hidden(ids, dec.cross_kv(low))
        logits = dec.token_embedding.compact_logits(h)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=-100)
        # CTC on the 12.5 Hz encoder states; blank = 0, kept row i -> class i + 1
        lp = F.log_softmax(self.ctc_head(low).float(), -1).transpose(0, 1)
        targets = torch.tensor([self.compact[t] + 1 for toks in token_lists for t in toks], dtype=torch.long)
        in_len = torch.full((len(token_lists),), lp.shape[0], dtype=torch.long)
        tgt_len = torch.tensor([len(t) for t in token_lists], dtype=torch.long)
        # summed over the batch / target tokens: "mean" divides by each target length, and the
        # empty transcripts (silence, noise) have length 0
        ctc = F.ctc_loss(lp, targets, in_len, tgt_len, blank=0, reduction="sum", zero_infinity=True) / max(1, int(tgt_len.sum()))
        if align_weight and entries is not None:
            labels = [rough_alignment(e, f, lp.shape[0], self.compact) for e, f in zip(entries, feats)]
            rows = [i for i, l in enumerate(labels) if l is not None]
            if rows:
                lab = torch.stack([labels[i] for i in rows])  # [R, T]
                frame_lp = lp.transpose(0, 1)[rows]  # [R, T, C]
                ctc = ctc + align_weight * F.nll_loss(frame_lp.reshape(-1, frame_lp.shape[-1]), lab.reshape(-1))
        return ce, ctc


def rough_alignment(entry, feats, n_low, compact):
    """Frame labels at 12.5 Hz for a one-part sample: its speech span (from frame energy: the
    frames well above the clip's floor) split between the tokens in proportion to their length
    in characters; the middle 60% of each token's span gets the token's class, the rest blank.
    A coarse, free alignment that gets CTC off its all-blank plateau. None for other samples."""
    spec = entry["spec"]
    if len(spec["parts"]) != 1:
        return None
    toks = target_tokens(entry["text"])
    n = min(entry["frames"], feats.shape[1]) // 8 * 8
    energy = feats[:, :n].mean(0).reshape(-1, 8).mean(1)
    lo, hi = float(energy.min()), float(energy.max())
    speech = (energy > lo + 0.3 * (hi - lo)).nonzero().flatten()
    labels = torch.zeros(n_low, dtype=torch.long)
    if len(speech) == 0 or not toks:
        return labels
    start, end = float(speech[0]), float(speech[-1]) + 1
    tok = tokenizer()
    lengths = [len(tok.decode([t])) for t in toks]
    total = sum(lengths)
    pos = start
    for t, k in zip(toks, lengths):
        span = (end - start) * k / total
        a, b = int(round(pos + 0.2 * span)), int(round(pos + 0.8 * span))
        labels[max(0, a):min(n_low, max(b, a + 1))] = compact[t] + 1
        pos += span
    return labels


NO_CURRICULUM = False


def curriculum_max_words(step):
    if NO_CURRICULUM:
        return 99
    return 2 if step < 400 else 4 if step < 1000 else 99


def batches(split, step, batch_size, rng):
    """Length-bucketed batches from the samples the curriculum allows at this step."""
    limit = curriculum_max_words(step)
    pool = [i for i, e in enumerate(split.index) if len(e["text"].split()) <= limit]
    pool.sort(key=lambda i: split.index[i]["frames"] + rng.random() * 40)
    groups = [pool[i:i + batch_size] for i in range(0, len(pool), batch_size)]
    rng.shuffle(groups)
    return groups, limit


def batch_length(split, ids, rng):
    if rng.random() < 0.1:
        return N_FRAMES  # what inference always sees: the whole padded chunk
    n = max(split.index[i]["frames"] for i in ids)
    n = int(n * rng.uniform(1.0, 1.5)) + int(rng.integers(0, 40))
    return min(N_FRAMES, (n + 7) // 8 * 8)


def evaluate(model, split, limit=None, batch_size=50):
    tok = tokenizer()
    model.eval()
    ids = list(range(len(split)))[:limit]
    errs = words = 0
    empty_ok = empty_n = 0
    sup = suppress_tokens(tok)
    for s in range(0, len(ids), batch_size):
        chunk = ids[s:s + batch_size]
        feats = split.batch(chunk, N_FRAMES)
        outs = greedy(model, feats, [tok.sot, tok.no_timestamps], 40, sup, [220, tok.eot], tok.eot)
        for i, out in zip(chunk, outs):
            hyp = tok.decode(out).strip()
            ref = split.index[i]["text"]
            e, n = wer_counts(ref, hyp)
            errs, words = errs + e, words + n
            if not ref:
                empty_n += 1
                empty_ok += hyp == ""
    model.train()
    return errs / max(words, 1), empty_ok, empty_n


@torch.no_grad()
def ctc_evaluate(trainer, split, limit=None, batch_size=50):
    """Greedy CTC WER at the inference input length (what the CTC-bridge encoder outputs)."""
    tok = tokenizer()
    trainer.eval()
    ids = list(range(len(split)))[:limit]
    errs = words = 0
    for s in range(0, len(ids), batch_size):
        chunk = ids[s:s + batch_size]
        cls = trainer.ctc_head(trainer.model.encoder.forward_low_rate(split.batch(chunk, N_FRAMES))).argmax(-1)
        for i, row in zip(chunk, cls.tolist()):
            out, prev = [], 0
            for c in row:
                if c != 0 and c != prev:
                    out.append(trainer.kept[c - 1])
                prev = c
            e, n = wer_counts(split.index[i]["text"], tok.decode(out).strip())
            errs, words = errs + e, words + n
    trainer.train()
    return errs / max(words, 1)


def lr_at(step, peak, warmup, progress):
    """Linear warm-up, then cosine decay over `progress` (0..1, steps or wall time, whichever is further)."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.05, 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=9000)
    ap.add_argument("--budget-s", type=float, default=1250, help="training wall-time budget; the LR schedule follows it")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--ctc", type=float, default=1.0)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--align-ce", type=float, default=1.0, help="weight of the rough-alignment frame loss")
    ap.add_argument("--init-from", help="start from this checkpoint's weights (fresh optimizer, step 0)")
    ap.add_argument("--no-curriculum", action="store_true")
    ap.add_argument("--select-by-attention", dest="select_by_ctc", action="store_false",
                    help="best.pt = lowest attention-decoder WER instead of greedy-CTC WER (the CTC bridge uses CTC)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # Debian torch 1.13's mkldnn conv1d backward returns garbage gradients here (1e4..1e18,
    # varying run to run; measured); the native conv is correct.
    torch.backends.mkldnn.enabled = False
    global NO_CURRICULUM
    NO_CURRICULUM = args.no_curriculum
    os.makedirs(CKPT, exist_ok=True)
    log = open(os.path.join(WORK, "train.log"), "a")

    def emit(**kw):
        kw["time"] = time.strftime("%H:%M:%S")
        log.write(json.dumps(kw) + "\n")
        log.flush()
        print(json.dumps(kw), flush=True)

    train, heldout, unseen = Split("train"), Split("heldout"), Split("unseen")
    token_cache = [target_tokens(e["text"]) for e in train.index]
    torch.manual_seed(args.seed)
    trainer = DemoTrainer(demo_dims())
    opt = torch.optim.AdamW(trainer.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    step, best, elapsed, lr_scale = 0, float("inf"), 0.0, 1.0
    last = os.path.join(CKPT, "last.pt")
    if args.init_from and not os.path.exists(last):
        trainer.load_state_dict(torch.load(args.init_from)["trainer"])
        emit(event="init", source=args.init_from)
    if os.path.exists(last):
        ck = torch.load(last)
        trainer.load_state_dict(ck["trainer"])
        opt.load_state_dict(ck["opt"])
        step, best, elapsed, lr_scale = ck["step"], ck["best"], ck["elapsed"], ck.get("lr_scale", 1.0)
        emit(event="resume", step=step, best=best)
    rng = np.random.default_rng(args.seed + step)

    def save(path):
        torch.save({"trainer": trainer.state_dict(), "opt": opt.state_dict(), "step": step, "best": best,
                    "elapsed": elapsed, "lr_scale": lr_scale, "dims": demo_dims().to_dict(), "args": vars(args)}, path + ".tmp")
        os.replace(path + ".tmp", path)

    trainer.train()
    bad, recent_bad, t0, window = 0, 0, time.time(), []
    progress = 0.0
    while progress < 1:
        groups, limit = batches(train, step, args.batch, rng)
        for ids in groups:
            progress = max(step / args.steps, (elapsed + time.time() - t0) / args.budget_s)
            if progress >= 1 or curriculum_max_words(step) != limit:
                break
            feats = train.batch(ids, batch_length(train, ids, rng))
            lr = lr_at(step, args.lr, args.warmup, progress) * lr_scale
            for g in opt.param_groups:
                g["lr"] = lr
            ce, ctc = trainer.losses(feats, [token_cache[i] for i in ids], [train.index[i] for i in ids], args.align_ce)
            loss = ce + args.ctc * ctc
            opt.zero_grad(set_to_none=True)
            if torch.isfinite(loss):
                loss.backward()
                gn = torch.nn.utils.clip_grad_norm_(trainer.parameters(), 1.0)
            if not torch.isfinite(loss) or not torch.isfinite(gn):
                bad += 1
                recent_bad += 1
                emit(event="nonfinite", step=step, bad=bad)
                if bad >= 3 or recent_bad >= 10:  # back to the last good state, gentler
                    recent_bad = 0
                    ck = torch.load(last)
                    trainer.load_state_dict(ck["trainer"])
                    opt.load_state_dict(ck["opt"])
                    lr_scale *= 0.5
                    bad = 0
                    emit(event="restored", step=ck["step"], lr_scale=lr_scale)
                continue
            bad = 0
            opt.step()
            step += 1
            window.append((float(ce), float(ctc)))
            if step % 50 == 0:
                now = time.time()
                elapsed += now - t0
                t0 = now
                emit(step=step, ce=round(np.mean([w[0] for w in window]), 4), ctc=round(np.mean([w[1] for w in window]), 4),
                     lr=round(lr, 6), words=limit, elapsed_s=round(elapsed))
                window = []
            if step % 250 == 0:
                recent_bad = 0
                save(last)
            if step % args.eval_every == 0:
                te = time.time()
                w_h, ok, n = evaluate(trainer.model, heldout, limit=200)
                w_u, _, _ = evaluate(trainer.model, unseen, limit=200)
                c_h, c_u = ctc_evaluate(trainer, heldout, 200), ctc_evaluate(trainer, unseen, 200)
                score = c_h if args.select_by_ctc else w_h
                if score < best:
                    best = score
                    save(os.path.join(CKPT, "best.pt"))
                save(last)
                emit(event="eval", step=step, wer_heldout=round(w_h, 4), wer_unseen=round(w_u, 4),
                     ctc_wer_heldout=round(c_h, 4), ctc_wer_unseen=round(c_u, 4),
                     empty_ok=f"{ok}/{n}", best=round(best, 4), eval_s=round(time.time() - te))
                t0 = time.time()
    elapsed += time.time() - t0
    save(last)
    emit(event="done", step=step, best=best, elapsed_s=round(elapsed))


if __name__ == "__main__":
    main()
