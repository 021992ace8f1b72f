"""Speaker-embedding features: Kaldi fbank (wespeaker's settings) on int16-range samples, then CMN.

    feats = fbank(waveform_float)            # [T, 80], float32, mean over time removed

`waveform_float` is 16 kHz mono in [-1, 1]; it is multiplied by 32768 first (as wespeaker and
sherpa-onnx do with normalize_samples=0), so the caller gives plain float audio.

    python3 fbank.py            # writes test/golden/diarize-demo/fbank.json (+ fbank_input.wav)
"""
import json
import os
import sys

import numpy as np
import torch
import torchaudio

SAMPLE_RATE = 16000
NUM_MEL_BINS = 80
INT16_SCALE = 32768.0

KALDI_OPTS = dict(num_mel_bins=NUM_MEL_BINS, frame_length=25, frame_shift=10, dither=0.0, energy_floor=0.0,
                  sample_frequency=SAMPLE_RATE, window_type="povey", preemphasis_coefficient=0.97,
                  remove_dc_offset=True, round_to_power_of_two=True, snip_edges=True, low_freq=20, high_freq=0,
                  use_log_fbank=True, use_power=True)


def num_frames(n_samples):
    """snip_edges: frames of 400 samples every 160."""
    return 0 if n_samples < 400 else 1 + (n_samples - 400) // 160


def raw_fbank(waveform):
    """float audio in [-1, 1] (numpy or torch, 1-D) -> [T, 80] log-mel fbank, before CMN."""
    w = torch.as_tensor(np.asarray(waveform, dtype=np.float32)).reshape(1, -1) * INT16_SCALE
    return torchaudio.compliance.kaldi.fbank(w, **KALDI_OPTS)


def cmn(feats):
    """Per-utterance mean normalisation over time."""
    return feats - feats.mean(dim=0, keepdim=True)


def fbank(waveform):
    """float audio in [-1, 1] -> [T, 80] fbank with CMN: the embedding model's input."""
    return cmn(raw_fbank(waveform))


def _golden(root):
    """A 1.3 s espeak-ng phrase -> test/golden/diarize-demo/fbank_input.wav and fbank.json."""
    import subprocess
    import wave
    out = os.path.join(root, "test", "golden", "diarize-demo")
    os.makedirs(out, exist_ok=True)
    wav = subprocess.run(["espeak-ng", "-v", "en-gb+f2", "-s", "175", "-p", "50", "--stdout", "restart the worker"],
                         check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1",
                          "-", "pad", "0.05", "1.3", "trim", "0", "1.3"], input=wav, check=True,
                         capture_output=True).stdout
    pcm = np.frombuffer(raw, dtype="<i2")
    assert len(pcm) == int(1.3 * SAMPLE_RATE), len(pcm)
    path = os.path.join(out, "fbank_input.wav")
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SAMPLE_RATE)
        f.writeframes(pcm.tobytes())
    audio = pcm.astype(np.float32) / INT16_SCALE
    before = raw_fbank(audio)
    after = cmn(before)

    def r(t):
        return [[round(float(v), 5) for v in row] for row in t.tolist()]

    doc = {
        "description": "Kaldi fbank (torchaudio.compliance.kaldi.fbank) of fbank_input.wav: samples read as int16 "
                       "(float audio * 32768), then CMN (mean over time subtracted per bin). Tolerance 1e-3.",
        "input": "fbank_input.wav",
        "num_samples": int(len(pcm)),
        "sample_rate": SAMPLE_RATE,
        "scale": INT16_SCALE,
        "options": KALDI_OPTS,
        "shape": list(before.shape),
        "fbank": r(before),
        "fbank_cmn": r(after),
    }
    with open(os.path.join(out, "fbank.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} and fbank.json: shape {list(before.shape)}")


if __name__ == "__main__":
    _golden(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) if len(sys.argv) < 2
            else sys.argv[1])
