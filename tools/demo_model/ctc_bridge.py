#!/usr/bin/env python3
"""Build the CTC-bridge variant of a demo checkpoint: the trained conv+BiGRU encoder and its CTC
head decoded in the graph (CTCBridgeEncoder), and a Whisper decoder trained on the bridge's
code sequences (synthetic: no audio needed, it only learns to read position i at step i).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/demo_model/ctc_bridge.py --ckpt best

Writes tools/.work/demo/ckpt/bridge.pt (loadable by export_demo.py / evaluate.py --ckpt bridge).
"""
import argparse
import dataclasses
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from demo_model.common import N_FRAMES, WORK, Split, target_tokens, tokenizer, wer_counts  # noqa: E402
from demo_model.recipe import random_sequence  # noqa: E402
from whisper_onnx.model import Whisper, WhisperDims  # noqa: E402


def bridge_model(ck):
    dims = dataclasses.replace(WhisperDims(**ck["dims"]), encoder_kind="conv_bigru_ctc")
    model = Whisper(dims)
    state = ck["trainer"]
    enc = {k[len("model.encoder."):]: v for k, v in state.items() if k.startswith("model.encoder.")}
    enc.update({"ctc_head." + k[len("ctc_head."):]: v for k, v in state.items() if k.startswith("ctc_head.")})
    missing, unexpected = model.encoder.load_state_dict(enc, strict=False)
    assert set(missing) <= {"codes", "positional_embedding"} and not unexpected, (missing, unexpected)
    dec = {k[len("model.decoder."):]: v for k, v in state.items() if k.startswith("model.decoder.")}
    model.decoder.load_state_dict(dec)
    return model, dims


@torch.no_grad()
def ctc_wer(model, split_name, limit=None):
    tok = tokenizer()
    kept = sorted(set(model.dims.kept_token_ids))
    split = Split(split_name)
    ids = list(range(len(split)))[:limit]
    errs = words = 0
    for s in range(0, len(ids), 50):
        chunk = ids[s:s + 50]
        cls = model.encoder.classes(split.batch(chunk, N_FRAMES))
        for i, row in zip(chunk, cls.tolist()):
            out, prev = [], 0
            for c in row:
                if c != 0 and c != prev:
                    out.append(kept[c - 1])
                prev = c
            e, n = wer_counts(split.index[i]["text"], tok.decode(out).strip())
            errs, words = errs + e, words + n
    return errs / max(words, 1)


def synthetic_batch(model, rng, batch, compact, out_len=N_FRAMES // 2):
    """Code sequences exactly as the bridge writes them for a 10 s chunk (500 positions; a
    decoder trained on only the first 128 stopped early when it saw the later end codes)."""
    tok = tokenizer()
    T8 = N_FRAMES // 8
    texts = []
    for _ in range(batch):
        r = rng.random()
        texts.append("" if r < 0.08 else " ".join(random_sequence(rng, 1, 8) for _ in range(1 if r < 0.8 else int(rng.integers(2, 4)))))
    cls = torch.zeros(batch, T8, dtype=torch.long)
    token_lists = []
    for b, text in enumerate(texts):
        toks = target_tokens(text)[: T8 // 2 - 1]
        token_lists.append(toks)
        # tokens at random frames with blanks in between (what a CTC path looks like)
        frames = np.sort(rng.choice(np.arange(0, T8, 2), len(toks), replace=False)) if toks else []
        for f, t in zip(frames, toks):
            cls[b, f] = compact[t] + 1
            if f + 1 < T8 and rng.random() < 0.5:
                cls[b, f + 1] = compact[t] + 1  # a repeated frame, collapsed by the bridge
    enc = model.encoder.encode_classes(cls, out_len)
    prompt = [tok.sot, tok.no_timestamps]
    L = max(len(t) for t in token_lists) + 1
    ids = torch.full((batch, len(prompt) + L - 1), tok.eot, dtype=torch.long)
    tgt = torch.full_like(ids, -100)
    nocaptions = tok["<|nocaptions|>"]
    for b, toks in enumerate(token_lists):
        seq = prompt + toks
        ids[b, :len(seq)] = torch.tensor(seq)
        full = toks + [tok.eot]
        tgt[b, len(prompt) - 1:len(prompt) - 1 + len(full)] = torch.tensor([compact[t] for t in full])
        # Whisper's no-speech signal: after <|startoftranscript|> predict <|nocaptions|> when
        # there is no speech (the engine's no_speech_prob), else the prompt's next token
        tgt[b, 0] = compact[nocaptions if not toks else tok.no_timestamps]
    return enc, ids, tgt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="best")
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--decoder-init", help="bridge.pt whose decoder to start from (then trained)")
    ap.add_argument("--decoder-from", help="bridge.pt whose decoder to reuse (no decoder training)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    path = args.ckpt if os.path.isfile(args.ckpt) else os.path.join(WORK, "ckpt", f"{args.ckpt}.pt")
    ck = torch.load(path)
    torch.manual_seed(args.seed)
    model, dims = bridge_model(ck)
    print("source step", ck["step"], "CTC greedy WER heldout %.4f" % ctc_wer(model.eval(), "heldout", 200), flush=True)
    if args.decoder_from:
        src = torch.load(args.decoder_from)
        model.decoder.load_state_dict({k[len("model.decoder."):]: v for k, v in src["trainer"].items() if k.startswith("model.decoder.")})
        args.steps = 0
    compact = {t: i for i, t in enumerate(sorted(set(dims.kept_token_ids)))}
    if args.decoder_init:
        src0 = torch.load(args.decoder_init)
        model.decoder.load_state_dict({k[len("model.decoder."):]: v for k, v in src0["trainer"].items() if k.startswith("model.decoder.")})
    for p in model.encoder.parameters():
        p.requires_grad_(False)
    dec = model.decoder
    opt = torch.optim.AdamW(dec.parameters(), lr=args.lr, weight_decay=0.0)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    dec.train()
    for step in range(1, args.steps + 1):
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, step / 50) * (0.1 + 0.9 * (1 - step / args.steps))
        enc, ids, tgt = synthetic_batch(model, rng, args.batch, compact)
        h, _ = dec.hidden(ids, dec.cross_kv(enc))
        logits = dec.token_embedding.compact_logits(h)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
        opt.step()
        if step % 50 == 0:
            print(f"bridge step {step} ce {float(loss):.4f} {time.time() - t0:.0f}s", flush=True)
    model.eval()
    out = {"trainer": {"model." + k: v for k, v in model.state_dict().items()}, "dims": dims.to_dict(),
           "step": ck["step"], "bridge_steps": args.steps, "source": path, "best": ck.get("best"),
           "elapsed": ck.get("elapsed"), "bridge_s": round(time.time() - t0)}
    if args.decoder_from:
        out["bridge_steps"], out["bridge_s"] = src["bridge_steps"], src["bridge_s"]
    dest = args.out or os.path.join(WORK, "ckpt", "bridge.pt")
    torch.save(out, dest)
    print("saved", dest, flush=True)


if __name__ == "__main__":
    main()
