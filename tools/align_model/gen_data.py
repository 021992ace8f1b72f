#!/usr/bin/env python3
"""Generate the alignment model's data (seeded, reproducible) into tools/.work/align/data/.

Every word is spoken on its own by espeak-ng (one voice, speed and pitch per utterance),
trimmed to its voiced span (energy threshold), and the words are joined with known gaps, so
each word's true start and end are exact. Splits: train (training voices), heldout (word
sequences not in train, training voices), unseen (voices never used in training).
Each split: audio.npy (int16, concatenated) and index.json.
"""
import argparse
import json
import os
import subprocess
import sys
from multiprocessing import Pool

import numpy as np
import torch
import torchaudio.functional as AF

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from align_model.common import DATA, SAMPLE_RATE  # noqa: E402
from demo_model.recipe import TRAIN_VOICES, UNSEEN_VOICES, WORDS  # noqa: E402

ESPEAK_RATE = 22050
TRIM_DB = -40.0  # a word's span: 5 ms windows within 40 dB of its loudest window
TRIM_WIN = 110


def espeak_word(word, voice, speed, pitch):
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word],
                         check=True, capture_output=True).stdout
    # streamed to stdout, the RIFF sizes are bogus: the samples are everything after the 44-byte header
    return np.frombuffer(wav[44:], dtype="<i2").astype(np.float32) / 32768.0


def trim(x):
    power = np.convolve(x.astype(np.float64) ** 2, np.ones(TRIM_WIN) / TRIM_WIN, mode="valid")
    loud = np.nonzero(power > power.max() * 10 ** (TRIM_DB / 10))[0]
    return x[loud[0]:loud[-1] + TRIM_WIN]


def spec_for(rng, voices, n_words=None):
    n = int(n_words or rng.integers(1, 9))
    return {
        "words": [str(w) for w in rng.choice(WORDS, n)],
        "voice": str(rng.choice(voices)),
        "speed": int(rng.integers(130, 201)),
        "pitch": int(rng.integers(25, 76)),
        "gaps": [float(g) for g in rng.uniform(0.03, 0.5, n - 1)],
        "lead": float(rng.uniform(0.05, 0.6)),
        "trail": float(rng.uniform(0.05, 0.6)),
        "gain_db": float(rng.uniform(-12, 4)),
        "noise_db": float(rng.uniform(-75, -45)) if rng.random() < 0.8 else None,  # white noise, dBFS rms
        "seed": int(rng.integers(2**31)),
    }


def render(spec):
    """-> (int16 waveform at 16 kHz, [{word, start, end}] in seconds). Deterministic for a spec."""
    torch.set_num_threads(1)
    pieces, words = [np.zeros(round(spec["lead"] * ESPEAK_RATE), np.float32)], []
    t = len(pieces[0])
    for k, w in enumerate(spec["words"]):
        x = trim(espeak_word(w, spec["voice"], spec["speed"], spec["pitch"]))
        words.append({"word": w, "start": t / ESPEAK_RATE, "end": (t + len(x)) / ESPEAK_RATE})
        pieces.append(x)
        t += len(x)
        gap = spec["gaps"][k] if k < len(spec["gaps"]) else spec["trail"]
        pieces.append(np.zeros(round(gap * ESPEAK_RATE), np.float32))
        t += len(pieces[-1])
    audio = AF.resample(torch.from_numpy(np.concatenate(pieces)), ESPEAK_RATE, SAMPLE_RATE).numpy()
    audio = audio * np.float32(10 ** (spec["gain_db"] / 20))
    if spec["noise_db"] is not None:
        rng = np.random.default_rng(spec["seed"])
        audio = audio + rng.standard_normal(len(audio)).astype(np.float32) * np.float32(10 ** (spec["noise_db"] / 20))
    pcm = np.clip(np.round(audio * 32768), -32768, 32767).astype(np.int16)
    for w in words:
        w["start"], w["end"] = round(w["start"], 5), round(w["end"], 5)
    return pcm, words


def specs_for(n, seed, voices, exclude=frozenset()):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        spec = spec_for(rng, voices)
        if " ".join(spec["words"]) not in exclude:
            out.append(spec)
    return out


def write_split(name, specs, pool):
    folder = os.path.join(DATA, name)
    os.makedirs(folder, exist_ok=True)
    chunks, index, offset = [], [], 0
    for spec, (pcm, words) in zip(specs, pool.imap(render, specs, chunksize=8)):
        index.append({"offset": offset, "num_samples": len(pcm), "text": " ".join(spec["words"]),
                      "words": words, "spec": spec})
        chunks.append(pcm)
        offset += len(pcm)
        if len(index) % 1000 == 0:
            print(name, len(index), flush=True)
    np.save(os.path.join(folder, "audio.npy"), np.concatenate(chunks))
    with open(os.path.join(folder, "index.json"), "w") as fh:
        json.dump(index, fh)
    print(name, "done", len(index), "utterances", round(offset / SAMPLE_RATE / 3600, 2), "h", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=15000)
    ap.add_argument("--heldout", type=int, default=300)
    ap.add_argument("--unseen", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--procs", type=int, default=2)
    args = ap.parse_args()
    train = specs_for(args.train, args.seed, TRAIN_VOICES)
    train_texts = frozenset(" ".join(s["words"]) for s in train)
    with Pool(args.procs) as pool:
        # held-out: word sequences never seen in training (so at least two words)
        write_split("heldout", specs_for(args.heldout, args.seed + 1, TRAIN_VOICES, train_texts), pool)
        write_split("unseen", specs_for(args.unseen, args.seed + 2, UNSEEN_VOICES, train_texts), pool)
        write_split("train", train, pool)


if __name__ == "__main__":
    main()
