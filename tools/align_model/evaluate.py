#!/usr/bin/env python3
"""Measure the alignment model the way WhisperX uses it, and write the model card.

For every utterance of the held-out split (new word sequences, training voices) and the
unseen-voices split: logits for the whole utterance, WhisperX forced alignment
(alignment.py) of its transcript as one segment from 0 to its duration, and each word's
aligned start against the true start. Reports the fraction within 100 ms and the mean
absolute error (also for ends, for information), and greedy CTC transcripts.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/align_model/evaluate.py

Writes tools/.work/align/eval.json, models/align-demo-en/accuracy.json and MODEL_CARD.md.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from align_model.alignment import align_segment  # noqa: E402
from align_model.common import BLANK, MODEL_DIR, SAMPLE_RATE, VOCAB, WORK, Split  # noqa: E402
from align_model.export import load  # noqa: E402

ID_TO_CHAR = {i: c for c, i in VOCAB.items()}


def greedy(logits):
    ids = logits.argmax(-1).tolist()
    out, prev = [], None
    for i in ids:
        if i != prev and i != BLANK:
            out.append(ID_TO_CHAR[i])
        prev = i
    return " ".join("".join(out).replace("|", " ").split())


def segment_bounds(e, rng, cropped):
    """The whole utterance, or (cropped) a Whisper-like segment: 50-400 ms of silence kept
    around the speech."""
    duration = e["num_samples"] / SAMPLE_RATE
    if not cropped:
        return 0.0, duration
    return (round(max(0.0, e["words"][0]["start"] - rng.uniform(0.05, 0.4)), 2),
            round(min(duration, e["words"][-1]["end"] + rng.uniform(0.05, 0.4)), 2))


def measure(model, split_name, cropped=False):
    split = Split(split_name)
    rng = np.random.default_rng(5)
    start_err, end_err, failed, exact, letters = [], [], 0, 0, 0
    with torch.no_grad():
        for i, e in enumerate(split.index):
            t1, t2 = segment_bounds(e, rng, cropped)
            audio = split.waveform(i)[int(t1 * SAMPLE_RATE):int(t2 * SAMPLE_RATE)]  # as whisperx.align slices
            logits = model(torch.from_numpy(audio)[None])[0]
            hyp = greedy(logits)
            exact += hyp == e["text"]
            letters += hyp.replace(" ", "") == e["text"].replace(" ", "")
            res = align_segment(logits, e["text"], t1, t2, VOCAB)
            if res is None:
                failed += 1
                start_err += [float("inf")] * len(e["words"])
                end_err += [float("inf")] * len(e["words"])
                continue
            start_err += [abs(p["start"] - w["start"]) for p, w in zip(res["words"], e["words"])]
            end_err += [abs(p["end"] - w["end"]) for p, w in zip(res["words"], e["words"])]
    s, t = np.array(start_err), np.array(end_err)
    return {
        "utterances": len(split), "words": len(s), "failed_alignments": failed,
        "start_within_100ms": round(float((s <= 0.1).mean()), 4),
        "start_within_50ms": round(float((s <= 0.05).mean()), 4),
        "start_mae_ms": round(float(s[np.isfinite(s)].mean() * 1000), 1),
        "start_p95_ms": round(float(np.percentile(s, 95) * 1000), 1),
        "end_within_100ms": round(float((t <= 0.1).mean()), 4),
        "end_mae_ms": round(float(t[np.isfinite(t)].mean() * 1000), 1),
        "greedy_exact_transcripts": round(exact / len(split), 4),
        "greedy_exact_letters_ignoring_separators": round(letters / len(split), 4),
    }


def train_summary():
    """Steps and wall time of the training run, from its log."""
    steps, elapsed = 0, 0
    path = os.path.join(WORK, "train.log")
    if os.path.exists(path):
        for line in open(path):
            rec = json.loads(line)
            steps, elapsed = max(steps, rec["step"]), max(elapsed, rec.get("elapsed_s", 0))
    return steps, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="best")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, state = load(args.ckpt)
    report = {"checkpoint_step": state["step"]}
    for name in ("heldout", "unseen"):
        report[name] = measure(model, name)
        print(name, json.dumps(report[name]), flush=True)
    report["heldout_cropped_segments"] = measure(model, "heldout", cropped=True)
    print("heldout_cropped_segments", json.dumps(report["heldout_cropped_segments"]), flush=True)
    report["train_steps_run"], report["train_seconds"] = train_summary()
    with open(os.path.join(WORK, "eval.json"), "w") as fh:
        json.dump(report, fh, indent=1)
    with open(os.path.join(MODEL_DIR, "accuracy.json"), "w") as fh:
        json.dump(report, fh, indent=1)
        fh.write("\n")
    write_model_card(report)


def write_model_card(r):
    h, u, c = r["heldout"], r["unseen"], r["heldout_cropped_segments"]
    size = os.path.getsize(os.path.join(MODEL_DIR, "onnx", "model.onnx"))
    card = f"""# align-demo-en: a tiny demo aligner for the console's vocabulary

A character CTC model with the wav2vec2 ONNX interface, for WhisperX-style forced alignment
of the demo transcripts. It only knows the console's 41 words
(`tools/demo_model/recipe.py` WORDS) as spoken by espeak-ng: it is **not** an English
alignment model. Trained from scratch on synthetic speech by `tools/align_model/`.

## Interface
- `onnx/model.onnx` (fp32, {size / 1e6:.2f} MB, opset 14): input `input_values` float32
  `[batch, samples]` (raw 16 kHz mono) -> output `logits` float32 `[batch, frames, 32]`.
- `frames = floor((samples - 400) / 320) + 1` for `samples >= 400` (wav2vec2's conv-stack
  formula; `inputs_to_logits_ratio: 320`, one frame per 20 ms). Shorter input is an error
  (pad to 400 samples, as WhisperX does).
- `vocab.json`: wav2vec2 style, `<pad>` = 0 is the CTC blank, `|` = 4 the word separator,
  `a`-`z` = 6-31. Targets are the lower-case words joined with `|`.
- `do_normalize: false`: the graph normalises each row itself (zero mean, unit variance,
  eps 1e-7, over the whole row), so callers feed raw 16 kHz samples, as WhisperX does (a
  second normalisation outside would be harmless, but moves emissions by ~6e-4). Rows of a batch padded with zeros are normalised including their
  padding, as wav2vec2-base without an attention mask; align one segment per run for exact
  results.
- Inside: 400-point DFT every 320 samples (a Conv1d with fixed periodic-Hann cos/sin
  kernels) -> power -> 64 HTK mel bands (20 Hz-8 kHz) -> log(x + 1e-4) -> per-band affine
  -> 2 Conv1d (128 ch, k 5, ReLU, residual) -> LayerNorm -> BiGRU (2 x 128) -> Linear (32).

## Accuracy
WhisperX alignment (`tools/align_model/alignment.py`, the steps of whisperx/alignment.py:
log-softmax, get_trellis, backtrack, merge_repeats, `time = frame * duration / frames`)
of each utterance's transcript as one segment `[0, duration]`, word starts against the true
starts (checkpoint step {r["checkpoint_step"]}):

| split | utterances / words | starts within 100 ms | start MAE | starts within 50 ms | start p95 | ends within 100 ms | end MAE |
| --- | --- | --- | --- | --- | --- | --- | --- |
| held-out (new word sequences) | {h["utterances"]} / {h["words"]} | {h["start_within_100ms"]:.2%} | {h["start_mae_ms"]} ms | {h["start_within_50ms"]:.2%} | {h["start_p95_ms"]} ms | {h["end_within_100ms"]:.2%} | {h["end_mae_ms"]} ms |
| unseen voices | {u["utterances"]} / {u["words"]} | {u["start_within_100ms"]:.2%} | {u["start_mae_ms"]} ms | {u["start_within_50ms"]:.2%} | {u["start_p95_ms"]} ms | {u["end_within_100ms"]:.2%} | {u["end_mae_ms"]} ms |
| held-out, Whisper-like segments | {c["utterances"]} / {c["words"]} | {c["start_within_100ms"]:.2%} | {c["start_mae_ms"]} ms | {c["start_within_50ms"]:.2%} | {c["start_p95_ms"]} ms | {c["end_within_100ms"]:.2%} | {c["end_mae_ms"]} ms |

The last row aligns a segment `[t1, t2]` that keeps 50-400 ms of silence around the speech
(seeded), sliced `audio[int(t1 * 16000):int(t2 * 16000)]` as whisperx.align does.

Failed alignments: {h["failed_alignments"]} held-out, {u["failed_alignments"]} unseen.
Word ends were not trained for and are poor: WhisperX ends a word where its path leaves the
word's last character, i.e. at the following `|` token, which this model emits just before
the next word (so an end stretches over the pause), and ends the last word one frame after
its last character (early). Use the starts.
The model is an aligner, not a recogniser: its characters are one-frame spikes and `|` is
often below blank, so greedy CTC decoding runs words together (greedy transcripts equal to
the reference: {h["greedy_exact_transcripts"]:.1%} held-out, {u["greedy_exact_transcripts"]:.1%} unseen; ignoring word
separators: {h["greedy_exact_letters_ignoring_separators"]:.1%} and {u["greedy_exact_letters_ignoring_separators"]:.1%}).
Measured by

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/align_model/evaluate.py

(figures also in `accuracy.json`).

## Data and training
- Data (`tools/align_model/gen_data.py`, seed 20): 1-8 words drawn from the vocabulary,
  each word spoken alone by espeak-ng (one voice/variant, speed 130-200 wpm, pitch 25-75
  per utterance; `tools/demo_model/recipe.py` voices), trimmed to the 5 ms windows within
  40 dB of its loudest, joined with 0.03-0.5 s gaps, 0.05-0.6 s lead/trail silence,
  resampled 22.05 -> 16 kHz, gain -12..+4 dB, white noise -75..-45 dBFS on 80%, 16-bit.
  15000 training utterances; held-out: 300 word sequences absent from training;
  unseen: 200 utterances in voices never used in training (`recipe.py` UNSEEN_VOICES).
- Training (`tools/align_model/train.py`, seed 7): a CTC loss summed over the paths
  WhisperX's trellis allows (every character on exactly one frame, all other frames blank
  `<pad>`; standard CTC also lets a character hold several frames, and a model trained so
  had its later words pulled up to 3.4 s early by get_trellis/backtrack) + two frame losses
  from the true boundaries: each word's first character at the frame of its start, and
  frames more than 30 ms outside every word on blank or `|`. Adam, lr 2e-3, 200 warm-up steps,
  cosine decay, batch 32, gradient clipping 5, non-finite losses skipped.
  {r["train_steps_run"]} steps in {r["train_seconds"] / 60:.0f} min on one CPU thread (plus ~1.5 min caching features); the
  checkpoint with the most held-out starts within 100 ms, then the lowest start error, on
  100 of the 300 held-out utterances every 500 steps, is exported (step {r["checkpoint_step"]}; every
  checkpoint from step 500 on had 100% within 100 ms there, MAE 6.3-6.7 ms).
- Rebuild everything (data, training, export, ONNX check, evaluation, goldens):
  `sh tools/align_model/build.sh` (about 40 min on 2 shared CPU cores).
"""
    with open(os.path.join(MODEL_DIR, "MODEL_CARD.md"), "w") as fh:
        fh.write(card)


if __name__ == "__main__":
    main()
