#!/usr/bin/env python3
"""Goldens for the TypeScript aligner's tests: 3 held-out utterances as 16-bit wavs in
test/golden/align-demo-en/ and golden.json with, for each, the transcript, true word
boundaries, emission frame count, the first 5 frames of log-softmax emissions, and the
Python WhisperX alignment computed on the ONNX model's logits (run by check_onnx.mjs)."""
import json
import os
import subprocess
import sys
import wave

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from align_model.alignment import align_segment  # noqa: E402
from align_model.common import GOLDEN_DIR, MODEL_DIR, ROOT, SAMPLE_RATE, VOCAB, WORK, Split, num_frames  # noqa: E402
from align_model.export import load  # noqa: E402


def pick(split, word_counts=(2, 3, 5), max_seconds=3.5):
    """The first held-out utterance with each word count that is at most max_seconds long."""
    chosen = []
    for n in word_counts:
        chosen.append(next(i for i, e in enumerate(split.index)
                           if len(e["words"]) == n and e["num_samples"] <= max_seconds * SAMPLE_RATE))
    return chosen


def write_wav(path, pcm):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def main():
    torch.set_num_threads(1)
    split = Split("heldout")
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    names, entries = [], []
    for i in pick(split):
        e = split.index[i]
        name = f"heldout-{i}"
        write_wav(os.path.join(GOLDEN_DIR, f"{name}.wav"), np.asarray(split.audio[e["offset"]:e["offset"] + e["num_samples"]]))
        names.append(name)
        entries.append(e)
    wavs = [os.path.join(GOLDEN_DIR, f"{n}.wav") for n in names]
    subprocess.run(["node", "tools/align_model/check_onnx.mjs", MODEL_DIR, "--logits", *wavs], check=True, cwd=ROOT)

    model, state = load("best")
    out = []
    for name, e in zip(names, entries):
        audio = split.waveform(split.index.index(e))
        frames = num_frames(len(audio))
        onnx_logits = np.fromfile(os.path.join(WORK, "parity", f"{name}.onnx_logits.f32"), np.float32).reshape(frames, len(VOCAB))
        with torch.no_grad():
            torch_logits = model(torch.from_numpy(audio)[None])[0].numpy()
        emissions = torch.log_softmax(torch.from_numpy(onnx_logits), dim=-1)
        duration = len(audio) / SAMPLE_RATE
        aligned = align_segment(onnx_logits, e["text"], 0.0, duration, VOCAB)
        out.append({
            "file": f"{name}.wav",
            "transcript": e["text"],
            "num_samples": len(audio),
            "duration_s": duration,
            "true_words": e["words"],
            "num_frames": frames,
            "emissions_first5": [[float(v) for v in row] for row in emissions[:5].tolist()],
            "onnx_vs_torch_max_abs_logit_diff": float(np.abs(onnx_logits - torch_logits).max()),
            "segment": {"start": 0.0, "end": duration, "text": e["text"]},
            "alignment": aligned,
        })
        print(name, e["text"], [(w["start"], round(t["start"], 3)) for w, t in zip(aligned["words"], e["words"])])
    golden = {
        "model": "models/align-demo-en",
        "checkpoint_step": state["step"],
        "frame_formula": "frames = floor((num_samples - 400) / 320) + 1",
        "input": "input_values = wav samples / 32768, shape [1, num_samples] (do_normalize true: the graph normalises too)",
        "emissions": "log_softmax(logits) over the 32 vocab entries, float32; emissions_first5 = frames 0-4",
        "alignment": "tools/align_model/alignment.py (WhisperX's steps) on the ONNX logits of the whole file as one "
                     "segment [0, duration]; char/word times rounded to 3 decimals, scores to 3",
        "utterances": out,
    }
    with open(os.path.join(GOLDEN_DIR, "golden.json"), "w") as fh:
        json.dump(golden, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
