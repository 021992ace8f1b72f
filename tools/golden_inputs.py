"""The fixed audio inputs of the golden references: written as 16 kHz 16-bit mono wavs."""
import os
import subprocess
import wave

import numpy as np

SR = 16000


def write_wav(path, audio):
    # x * 32768 so that read_wav(write_wav(x)) == x for 16-bit values x = k / 32768
    pcm = np.clip(np.round(np.asarray(audio, dtype=np.float64) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == SR and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def espeak(text, voice="en-us", speed=160, pitch=50):
    """espeak-ng -> sox -> float32 16 kHz (espeak-ng speaks at 22050 Hz)."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", str(SR), "-e", "signed", "-b", "16", "-c", "1", "-"],
                         input=wav, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def golden_inputs():
    """name -> waveform. Deterministic (seeded noise; espeak-ng output is deterministic)."""
    rng = np.random.default_rng(20261204)
    t = np.arange(int(4.0 * SR)) / SR
    f0, f1 = 100.0, 4000.0
    sweep = 0.3 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * 4.0) * t ** 2))
    speech = espeak("gpu status check")
    return {
        "noise": 0.1 * rng.standard_normal(int(2.5 * SR)),
        "sweep": sweep,
        "speech": speech,
        "speech2": espeak("restart redis worker nine", voice="en-gb", speed=140),
        "silence": np.zeros(SR),
        "speech_quiet": 0.1 * speech,
        "noise_short": 0.02 * rng.standard_normal(int(0.6 * SR)),
        "sweep_down": sweep[::-1].copy(),
    }


def ensure_wavs(folder):
    """Write the wavs once; later runs read the committed files (the reference is the file)."""
    os.makedirs(folder, exist_ok=True)
    paths = {}
    missing = False
    for name in ["noise", "sweep", "speech", "speech2", "silence", "speech_quiet", "noise_short", "sweep_down"]:
        paths[name] = os.path.join(folder, f"{name}.wav")
        missing |= not os.path.exists(paths[name])
    if missing:
        for name, audio in golden_inputs().items():
            write_wav(paths[name], audio)
    return {name: read_wav(p) for name, p in paths.items()}
