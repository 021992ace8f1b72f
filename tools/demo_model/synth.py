"""espeak-ng + sox rendering of a sample spec, and its Whisper log-mel features."""
import subprocess

import numpy as np

from .recipe import CHUNK_SECONDS, SAMPLE_RATE


def speak(text, voice, speed, pitch, lead, trail, gain_db):
    """espeak-ng speaks at 22050 Hz; sox resamples to 16 kHz, pads silence and applies gain."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", str(SAMPLE_RATE), "-e", "signed", "-b", "16",
                          "-c", "1", "-", "pad", f"{lead:.3f}", f"{trail:.3f}", "gain", f"{gain_db:.2f}"],
                         input=wav, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def render(spec):
    """-> (waveform float32, transcript). Deterministic for a spec (noise seeded by spec['seed'])."""
    rng = np.random.default_rng(spec["seed"])
    if not spec["parts"]:
        audio = np.zeros(int(spec["duration"] * SAMPLE_RATE), np.float32)
        text = ""
    else:
        pieces = [speak(p["text"], p["voice"], p["speed"], p["pitch"], p["lead"], p["trail"], spec["gain_db"])
                  for p in spec["parts"]]
        audio = np.concatenate(pieces)
        text = " ".join(p["text"] for p in spec["parts"])
    if spec.get("noise_db") is not None:
        audio = audio + rng.standard_normal(len(audio)).astype(np.float32) * np.float32(10 ** (spec["noise_db"] / 20))
    audio = np.clip(audio, -1, 1)
    # quantise like a 16-bit file, so training sees what a committed wav gives
    audio = np.round(audio * 32767) / 32768.0
    return audio.astype(np.float32), text


def fits(audio):
    return len(audio) <= CHUNK_SECONDS * SAMPLE_RATE
