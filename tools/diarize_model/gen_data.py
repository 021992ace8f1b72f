#!/usr/bin/env python3
"""Generate the diarization demo's data (seeded) into tools/.work/diarize/.

- bank.npz: PHRASES_PER_SPEAKER phrases for each of the 60 training speakers (int16 audio,
  trimmed). Training conversations/chunks are composed from it on the fly (train_*.py), seeded.
- heldout/: conversations in training speakers with newly rendered phrases (new content),
  unseen/: conversations in speakers never used for training. Each: NAME.wav, NAME.rttm;
  plus index.json.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv import (SAMPLE_RATE, TRAIN_SPEAKERS, UNSEEN_SPEAKERS, WORK, compose, phrase_text,  # noqa: E402
                  pick_speakers, quantize, speak, write_rttm, write_wav)


def bank(per_speaker, seed):
    rng = np.random.default_rng(seed)
    audio, offsets, speaker, texts = [], [0], [], []
    for s, sp in enumerate(TRAIN_SPEAKERS):
        for _ in range(per_speaker):
            text = phrase_text(rng)
            x = speak(text, sp, int(rng.integers(140, 201)))
            if len(x) < 1600:
                continue
            audio.append(np.round(x * 32767).astype(np.int16))
            offsets.append(offsets[-1] + len(x))
            speaker.append(s)
            texts.append(text)
    np.savez(os.path.join(WORK, "bank.npz"), audio=np.concatenate(audio), offsets=np.array(offsets),
             speaker=np.array(speaker))
    print(f"bank: {len(speaker)} phrases, {offsets[-1] / SAMPLE_RATE / 3600:.2f} h", flush=True)


def conversations(split, pool, count, seed, short_first=0):
    """count conversations of 2-3 speakers from pool, 20-60 s (the first short_first <= 38 s)."""
    rng = np.random.default_rng(seed)
    out = os.path.join(WORK, split)
    os.makedirs(out, exist_ok=True)
    index = []
    for c in range(count):
        k = int(rng.integers(2, 4))
        ids = pick_speakers(rng, pool, k)
        dur = float(rng.uniform(25, 38) if c < short_first else rng.uniform(20, 60))

        def phrase(j):
            return speak(phrase_text(rng), pool[ids[j]], int(rng.integers(140, 201)))

        audio, segs = compose(rng, k, phrase, dur)
        name = f"{split}-{c:03d}"
        names = [pool[i]["id"] for i in ids]
        write_wav(os.path.join(out, name + ".wav"), quantize(audio))
        write_rttm(os.path.join(out, name + ".rttm"), name, segs, names)
        index.append({"name": name, "duration": len(audio) / SAMPLE_RATE, "speakers": names,
                      "turns": len(segs)})
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    print(f"{split}: {count} conversations, {sum(e['duration'] for e in index) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-speaker", type=int, default=300)
    ap.add_argument("--heldout", type=int, default=24)
    ap.add_argument("--unseen", type=int, default=8)
    a = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    t0 = time.time()
    conversations("heldout", TRAIN_SPEAKERS, a.heldout, seed=7, short_first=2)
    conversations("unseen", UNSEEN_SPEAKERS, a.unseen, seed=8)
    bank(a.per_speaker, seed=1)
    print(f"data done in {time.time() - t0:.0f} s", flush=True)
