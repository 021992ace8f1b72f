#!/usr/bin/env python3
"""Generate the demo model's data set (seeded, reproducible) into tools/.work/demo/data/.

Splits: train (training voices), heldout (new word sequences, training voices), unseen
(voices never used in training). Each split: features.npy (float16 [total_frames, 80], the
first frames of each sample's 10 s log-mel; the rest of each sample is its pad value) and
index.json. Two espeak-ng/sox processes at a time.
"""
import argparse
import json
import os
import sys
from multiprocessing import Pool

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from demo_model.recipe import CHUNK_SECONDS, SAMPLE_RATE, TRAIN_VOICES, UNSEEN_VOICES, sample_spec  # noqa: E402
from demo_model.synth import render  # noqa: E402
from whisper_onnx.features import log_mel  # noqa: E402

N_SAMPLES = CHUNK_SECONDS * SAMPLE_RATE
WORK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".work", "demo")


def featurize(spec):
    torch.set_num_threads(1)
    audio, text = render(spec)
    if len(audio) > N_SAMPLES:
        return None
    f = log_mel(audio, 80, N_SAMPLES, dtype=torch.float32).numpy()
    stored = min(f.shape[1], int(np.ceil((len(audio) + 200) / 160)) + 1)
    return f[:, :stored].T.astype(np.float16), float(f[0, -1]), text, len(audio)


def specs_for(split, n, seed, train_texts=None):
    rng = np.random.default_rng(seed)
    voices = UNSEEN_VOICES if split == "unseen" else TRAIN_VOICES
    out = []
    while len(out) < n:
        spec = sample_spec(rng, voices, p_multi=0.15, p_empty=0.03)
        if split == "heldout":
            text = " ".join(p["text"] for p in spec["parts"])
            if not spec["parts"] or text in train_texts or len(text.split()) < 2:
                continue  # held-out = word sequences never seen in training
        out.append(spec)
    return out


def write_split(split, specs, pool):
    folder = os.path.join(WORK, "data", split)
    os.makedirs(folder, exist_ok=True)
    feats, index, offset = [], [], 0
    for spec, res in zip(specs, pool.imap(featurize, specs, chunksize=16)):
        if res is None:
            continue  # longer than the chunk: skipped (deterministically)
        f, pad, text, n = res
        index.append({"offset": offset, "frames": len(f), "pad": pad, "text": text, "num_samples": n, "spec": spec})
        feats.append(f)
        offset += len(f)
        if len(index) % 2000 == 0:
            print(split, len(index), flush=True)
    np.save(os.path.join(folder, "features.npy"), np.concatenate(feats))
    with open(os.path.join(folder, "index.json"), "w") as fh:
        json.dump(index, fh)
    print(split, "done", len(index), "samples", offset, "frames", flush=True)
    return index


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=12000)
    ap.add_argument("--eval", type=int, default=400)
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args()
    train_specs = specs_for("train", args.train, args.seed)
    train_texts = {" ".join(p["text"] for p in s["parts"]) for s in train_specs}
    with Pool(2) as pool:
        write_split("heldout", specs_for("heldout", args.eval, args.seed + 1, train_texts), pool)
        if not os.path.exists(os.path.join(WORK, "data", "unseen", "index.json")):  # independent of --train
            write_split("unseen", specs_for("unseen", args.eval, args.seed + 2), pool)
        write_split("train", train_specs, pool)


if __name__ == "__main__":
    main()
