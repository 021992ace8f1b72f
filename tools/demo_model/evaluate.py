#!/usr/bin/env python3
"""Measure the demo model: WER on the held-out and unseen-voice splits, a 2-minute
multi-utterance recording through VAD cut & merge, and silence/noise clips (must give an
empty transcript). Writes docs/accuracy.md and a JSON summary.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/demo_model/evaluate.py [--ckpt best]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from demo_model.common import N_FRAMES, ROOT, WORK, Split, tokenizer, wer_counts  # noqa: E402
from demo_model.export_demo import load  # noqa: E402
from demo_model.recipe import CHUNK_SECONDS, SAMPLE_RATE, TRAIN_VOICES, random_sequence, utterance_spec  # noqa: E402
from demo_model.synth import speak  # noqa: E402
from golden_inputs import read_wav, write_wav  # noqa: E402
from whisper_onnx.decode import greedy  # noqa: E402
from whisper_onnx.export import suppress_tokens  # noqa: E402
from whisper_onnx.features import log_mel  # noqa: E402

N_SAMPLES = CHUNK_SECONDS * SAMPLE_RATE


BEGIN_SUPPRESS = [220]  # as in the demo model's generation_config.json (EOT allowed first: empty transcripts)


def transcribe(model, feats):
    tok = tokenizer()
    outs = greedy(model, feats, [tok.sot, tok.no_timestamps], 60, suppress_tokens(tok), BEGIN_SUPPRESS, tok.eot)
    return [tok.decode(o).strip() for o in outs]


def split_wer(model, name):
    split = Split(name)
    errs = words = 0
    examples = []
    for s in range(0, len(split), 50):
        ids = list(range(s, min(s + 50, len(split))))
        for i, hyp in zip(ids, transcribe(model, split.batch(ids, N_FRAMES))):
            ref = split.index[i]["text"]
            e, n = wer_counts(ref, hyp)
            errs, words = errs + e, words + n
            if e and len(examples) < 5:
                examples.append({"ref": ref, "hyp": hyp, "voice": split.index[i]["spec"]["parts"][0]["voice"] if ref else None})
    return {"wer": errs / words, "errors": errs, "words": words, "utterances": len(split), "examples": examples}


def two_minute_recording(seed=99, seconds=120.0):
    """Many utterances (training voices, new random sequences) separated by 0.4-2.5 s pauses."""
    rng = np.random.default_rng(seed)
    pieces, texts, total = [], [], 0.0
    while total < seconds:
        spec = utterance_spec(rng, TRAIN_VOICES, text=random_sequence(rng, 1, 8))
        a = speak(spec["text"], spec["voice"], spec["speed"], spec["pitch"], 0.0, 0.0, spec["gain_db"])
        pause = np.zeros(int(rng.uniform(0.4, 2.5) * SAMPLE_RATE), np.float32)
        pieces += [pause, a]
        texts.append(spec["text"])
        total += (len(a) + len(pause)) / SAMPLE_RATE
    audio = np.concatenate(pieces + [np.zeros(SAMPLE_RATE // 2, np.float32)])
    audio = audio + rng.standard_normal(len(audio)).astype(np.float32) * 10 ** (-60 / 20)
    return np.clip(audio, -1, 1), " ".join(texts)


def energy_vad(audio, frame=480, threshold_db=-45.0, min_silence=0.3, min_speech=0.25, pad=0.1):
    """Speech regions (seconds) from 30 ms frame energy. A stand-in for the engine's Silero VAD."""
    n = len(audio) // frame
    rms = np.sqrt(np.mean(audio[:n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    speech = 20 * np.log10(rms) > threshold_db
    regions, start, silent = [], None, 0
    for i, s in enumerate(speech):
        if s:
            start = i if start is None else start
            silent = 0
        elif start is not None:
            silent += 1
            if silent * frame / SAMPLE_RATE >= min_silence:
                regions.append((start, i - silent + 1))
                start, silent = None, 0
    if start is not None:
        regions.append((start, n))
    sec = frame / SAMPLE_RATE
    out = [(max(0.0, a * sec - pad), min(len(audio) / SAMPLE_RATE, b * sec + pad)) for a, b in regions if (b - a) * sec >= min_speech]
    return out


def silero_vad(path):
    """Speech regions from Silero VAD (the engine's VAD) via node; None when node is unavailable."""
    import shutil
    import subprocess
    if not shutil.which("node"):
        return None
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "silero_regions.mjs")
    out = subprocess.run(["node", script, path], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return [tuple(r) for r in json.loads(out)]


def cut_and_merge(regions, chunk=CHUNK_SECONDS):
    """WhisperX merge: join neighbouring regions greedily while the span stays within a chunk."""
    chunks = []
    for a, b in regions:
        if chunks and b - chunks[-1][0] <= chunk:
            chunks[-1] = (chunks[-1][0], b)
        else:
            while b - a > chunk:  # (not reached here: utterances are short)
                chunks.append((a, a + chunk))
                a += chunk
            chunks.append((a, b))
    return chunks


def long_file_wer(model, path):
    if not os.path.exists(path):
        audio, text = two_minute_recording()
        write_wav(path, audio)
        with open(path + ".txt", "w") as f:
            f.write(text + "\n")
    audio, ref = read_wav(path), open(path + ".txt").read().strip()
    regions = silero_vad(path)
    vad = "silero"
    if regions is None:
        regions, vad = energy_vad(audio), "energy"
    chunks = cut_and_merge(regions)
    feats = torch.stack([log_mel(audio[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)], 80, N_SAMPLES) for a, b in chunks])
    hyp = " ".join(h for h in transcribe(model, feats) if h)
    e, n = wer_counts(ref, hyp)
    return {"wer": e / n, "errors": e, "words": n, "seconds": round(len(audio) / SAMPLE_RATE, 1), "chunks": len(chunks),
            "vad": vad, "hyp": hyp, "ref": ref}


def no_speech_clips(seed=5):
    rng = np.random.default_rng(seed)
    clips = []
    for i in range(8):
        clips.append((f"silence {i + 1} s", np.zeros(int((i + 1) * 1.2 * SAMPLE_RATE), np.float32)))
    for db in (-70, -60, -50, -40, -35, -30):
        clips.append((f"white noise {db} dBFS", (rng.standard_normal(int(rng.uniform(1, 10) * SAMPLE_RATE)) * 10 ** (db / 20)).astype(np.float32)))
    for db in (-50, -40, -30):
        brown = np.cumsum(rng.standard_normal(int(5 * SAMPLE_RATE)))
        brown = brown - np.convolve(brown, np.ones(400) / 400, mode="same")
        brown = brown / (np.std(brown) + 1e-9) * 10 ** (db / 20)
        clips.append((f"low-frequency noise {db} dBFS", brown.astype(np.float32)))
    t = np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE
    clips.append(("50 Hz hum -30 dBFS", (0.045 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)))
    clips.append(("1 kHz tone -20 dBFS", (0.14 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)))
    return clips


@torch.no_grad()
def no_speech_prob(model, feats):
    """Whisper's no_speech_prob: P(<|nocaptions|>) from the logits at <|startoftranscript|>."""
    tok = tokenizer()
    logits, _, _ = model.decoder(torch.tensor([[tok.sot]] * feats.shape[0]), model.encoder(feats))
    return torch.softmax(logits[:, 0].float(), -1)[:, tok["<|nocaptions|>"]].tolist()


def no_speech(model):
    clips = no_speech_clips()
    feats = torch.stack([log_mel(np.round(a * 32767) / 32768.0, 80, N_SAMPLES) for _, a in clips])
    hyps = transcribe(model, feats)
    speech = Split("heldout")
    p_speech = no_speech_prob(model, speech.batch(list(range(50)), N_FRAMES))
    p_none = no_speech_prob(model, feats)
    return {"clips": len(clips), "empty": sum(h == "" for h in hyps),
            "non_empty": [{"clip": n, "text": h} for (n, _), h in zip(clips, hyps) if h],
            "no_speech_prob_min_on_no_speech": min(p_none), "no_speech_prob_max_on_speech": max(p_speech)}


def write_markdown(res, path):
    pct = lambda x: f"{100 * x:.2f}%"
    lines = [
        "# Accuracy of the bundled demo model",
        "",
        f"Model: `models/whisperx-demo-en/` (checkpoint step {res['step']}). Measured by "
        "`tools/demo_model/evaluate.py` with greedy decoding, prompt `<|startoftranscript|><|notimestamps|>`, "
        "the model's suppress_tokens / begin_suppress_tokens, torch (the ONNX export gives the same tokens: "
        "`node tools/check_export.mjs models/whisperx-demo-en test/golden/whisperx-demo-en`).",
        "",
        "This is a small demo model for the console's own vocabulary (ten digits and 30 console words, "
        "synthetic espeak-ng speech). It is not a general speech recogniser; real speech needs a real "
        "Whisper export (see models/whisperx-demo-en/MODEL_CARD.md).",
        "",
        "| Test | Utterances | Words | WER | Target |",
        "|---|---|---|---|---|",
        f"| Held-out: new word sequences, training voices | {res['heldout']['utterances']} | {res['heldout']['words']} | {pct(res['heldout']['wer'])} | ≤ 3% |",
        f"| Unseen voices (en-gb-x-gbclan, en-gb-x-gbcwmd, variants +m7 +f4) | {res['unseen']['utterances']} | {res['unseen']['words']} | {pct(res['unseen']['wer'])} | ≤ 10% |",
        f"| {res['long']['seconds']} s recording, many utterances with pauses, VAD cut & merge into {res['long']['chunks']} chunks | – | {res['long']['words']} | {pct(res['long']['wer'])} | ≤ 10% |",
        "",
        f"No speech (silence, white / low-frequency noise, hum, a tone): {res['no_speech']['empty']} of "
        f"{res['no_speech']['clips']} clips give an empty transcript. Whisper's no-speech probability "
        f"(P(`<|nocaptions|>`) after `<|startoftranscript|>`) is ≥ {res['no_speech']['no_speech_prob_min_on_no_speech']:.3f} "
        f"on every no-speech clip and ≤ {res['no_speech']['no_speech_prob_max_on_speech']:.3f} on 50 held-out speech clips.",
        "",
    ]
    if res["no_speech"]["non_empty"]:
        lines += ["Clips that produced text:", ""] + [f"- {c['clip']}: \"{c['text']}\"" for c in res["no_speech"]["non_empty"]] + [""]
    lines += ["Examples of errors (held-out):", ""] + [f"- ref \"{e['ref']}\" → hyp \"{e['hyp']}\"" for e in res["heldout"]["examples"]] + [""]
    lines += ["Examples of errors (unseen voices):", ""] + [f"- ref \"{e['ref']}\" → hyp \"{e['hyp']}\" ({e['voice']})" for e in res["unseen"]["examples"]] + [""]
    lines += [
        "## Method",
        "",
        "- Splits come from `tools/demo_model/gen_data.py` (seeded): held-out = word sequences of 2–8 words "
        "that never occur in the training set, spoken by training voices; unseen = voices never used for "
        "training. Each sample is padded to the model's 10 s chunk exactly as at inference.",
        "- The long recording is generated by `evaluate.py` (seed 99): utterances of 1–8 words in random "
        "training voices with 0.4–2.5 s pauses and −60 dBFS noise. Speech regions come from Silero VAD v4 "
        "(`tools/demo_model/silero_regions.mjs`: threshold 0.5, off 0.35, min speech 250 ms, min silence 100 ms, "
        "pad 30 ms; the energy VAD in evaluate.py only where node is missing — this run: " + res["long"]["vad"] + "), "
        "then WhisperX-style merge into chunks of at most 10 s; chunk transcripts are joined.",
        "- WER = (substitutions + deletions + insertions) / reference words, on lower-case words.",
        f"- Measured {res['date']} on this project's 2-core build machine.",
        "",
    ]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="best")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "accuracy.md"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, ck = load(args.ckpt)
    os.makedirs(os.path.join(WORK, "eval"), exist_ok=True)
    res = {"step": ck["step"], "date": time.strftime("%Y-%m-%d"),
           "heldout": split_wer(model, "heldout"), "unseen": split_wer(model, "unseen"),
           "long": long_file_wer(model, os.path.join(WORK, "eval", "two-minutes.wav")),
           "no_speech": no_speech(model)}
    with open(os.path.join(WORK, "eval", "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    write_markdown(res, args.out)
    print(json.dumps({k: (v if not isinstance(v, dict) else {kk: vv for kk, vv in v.items() if kk != "examples"}) for k, v in res.items()}, indent=1))


if __name__ == "__main__":
    main()
