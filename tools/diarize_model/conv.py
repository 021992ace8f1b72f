"""Synthetic conversations for the diarization demo: speakers, espeak-ng phrases, turn-taking.

A speaker is one espeak-ng voice + variant at a fixed pitch. Phrases are rendered with
espeak-ng (22.05 kHz) -> sox (16 kHz int16) and trimmed of espeak's silence at both ends, so
the turns written to the RTTM are exactly where the speech is.
"""
import os
import subprocess

import numpy as np

SAMPLE_RATE = 16000
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "tools", ".work", "diarize")

WORDS = ("zero one two three four five six seven eight nine gpu lock release restart service status check "
         "health alert error warning critical high medium low memory disk redis queue job worker model batch "
         "log clean cache backup failed done start stop").split() + \
        ("the a is now please okay yes no we have server node ready running again after before about "
         "morning team ticket update deploy night shift looks good fine think maybe").split()

BASE_VOICES = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us-nyc"]
TRAIN_VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+f1", "+f2", "+f3"]
UNSEEN_BASES = ["en-gb-x-gbclan", "en-gb-x-gbcwmd"]
UNSEEN_VARIANTS = ["+m7", "+f4"]


def _speakers(pairs, seed):
    """[(voice, variant)] -> speaker records with a fixed pitch each (seeded)."""
    rng = np.random.default_rng(seed)
    return [{"id": f"{b}{v or '+def'}", "voice": b + v, "variant": v or "+def",
             "pitch": int(rng.integers(30, 71))} for b, v in pairs]


TRAIN_SPEAKERS = _speakers([(b, v) for b in BASE_VOICES for v in TRAIN_VARIANTS], seed=101)
UNSEEN_SPEAKERS = _speakers([(b, v) for b in UNSEEN_BASES for v in TRAIN_VARIANTS + UNSEEN_VARIANTS] +
                            [(b, v) for b in BASE_VOICES for v in UNSEEN_VARIANTS], seed=202)


def phrase_text(rng):
    return " ".join(rng.choice(WORDS, int(rng.integers(1, 5))))


def speak(text, speaker, speed):
    """-> float32 16 kHz audio of one phrase, espeak's leading/trailing silence trimmed."""
    wav = subprocess.run(["espeak-ng", "-v", speaker["voice"], "-s", str(speed), "-p", str(speaker["pitch"]),
                          "--stdout", text], check=True, capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", str(SAMPLE_RATE), "-e", "signed", "-b", "16",
                          "-c", "1", "-"], input=wav, check=True, capture_output=True).stdout
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    return x[loud[0]:loud[-1] + 1] if len(loud) else x[:0]


def compose(rng, n_speakers, phrase, duration, start=None):
    """Turn-taking between speakers 0..n-1 until `duration` seconds.

    phrase(spk) -> float32 audio of one phrase by local speaker spk. Turns are 1-3 phrases
    (0.1-0.4 s apart), gaps 0.1-1.5 s, and ~10% of turns overlap the previous one by 0.2-1.0 s.
    Returns (audio float32, segments [(start_s, end_s, spk)], one per phrase)."""
    n = int(duration * SAMPLE_RATE)
    out = np.zeros(n + 10 * SAMPLE_RATE, np.float32)
    gains = 10 ** (rng.uniform(-8, 0, n_speakers) / 20)
    segs = []
    t = rng.uniform(0.1, 1.0) if start is None else start
    prev, prev_turn = None, None
    order = list(rng.permutation(n_speakers))  # everyone speaks early on
    while True:
        if order:
            spk = int(order.pop())
        else:
            spk = int(rng.choice([s for s in range(n_speakers) if s != prev])) if n_speakers > 1 else 0
        pieces = [phrase(spk) for _ in range(int(rng.integers(1, 4)))]
        if prev_turn is not None and prev != spk and rng.random() < 0.1:
            ov = min(rng.uniform(0.2, 1.0), 0.8 * (prev_turn[1] - prev_turn[0]))
            t = prev_turn[1] - ov
        elif prev_turn is not None:
            t = prev_turn[1] + rng.uniform(0.1, 1.5)
        if t > duration - 0.5:
            break
        turn_start = t
        for i, p in enumerate(pieces):
            if i:
                t += rng.uniform(0.1, 0.4)
            a = int(round(t * SAMPLE_RATE))
            if a + len(p) > n:
                break
            if a >= 0:
                out[a:a + len(p)] += gains[spk] * p
                segs.append((a / SAMPLE_RATE, (a + len(p)) / SAMPLE_RATE, spk))
            elif a + len(p) > 0:
                out[:a + len(p)] += gains[spk] * p[-a:]
                segs.append((0.0, (a + len(p)) / SAMPLE_RATE, spk))
            t = (a + len(p)) / SAMPLE_RATE
        prev, prev_turn = spk, (turn_start, t)
    out = out[:n]
    out += rng.standard_normal(n).astype(np.float32) * np.float32(10 ** (rng.uniform(-65, -40) / 20))
    return np.clip(out, -1, 1), segs


def quantize(audio):
    """Like a 16-bit file."""
    return (np.round(np.clip(audio, -1, 1) * 32767) / 32768.0).astype(np.float32)


def write_rttm(path, uri, segs, names):
    with open(path, "w") as f:
        for s, e, k in sorted(segs):
            f.write(f"SPEAKER {uri} 1 {s:.3f} {e - s:.3f} <NA> <NA> {names[k]} <NA> <NA>\n")


def read_rttm(path):
    segs = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if p and p[0] == "SPEAKER":
                segs.append((float(p[3]), float(p[3]) + float(p[4]), p[7]))
    return segs


def write_wav(path, audio):
    import wave
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SAMPLE_RATE)
        f.writeframes(np.round(np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def read_wav(path):
    import wave
    with wave.open(path) as f:
        assert f.getframerate() == SAMPLE_RATE and f.getnchannels() == 1 and f.getsampwidth() == 2
        return np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def pick_speakers(rng, pool, k):
    """k speakers with distinct variants (timbres) and pitches at least 6 apart."""
    while True:
        idx = [int(i) for i in rng.choice(len(pool), k, replace=False)]
        sp = [pool[i] for i in idx]
        if len({s["variant"] for s in sp}) == k and \
                all(abs(a["pitch"] - b["pitch"]) >= 6 for i, a in enumerate(sp) for b in sp[i + 1:]):
            return idx


class Bank:
    """Pre-rendered phrases per training speaker (tools/.work/diarize/bank.npz)."""

    def __init__(self, path=os.path.join(WORK, "bank.npz")):
        z = np.load(path)
        self.audio, self.offsets, self.speaker = z["audio"], z["offsets"], z["speaker"]
        self.by_speaker = [np.flatnonzero(self.speaker == s) for s in range(int(self.speaker.max()) + 1)]

    def phrase(self, rng, spk):
        i = int(rng.choice(self.by_speaker[spk]))
        return self.audio[self.offsets[i]:self.offsets[i + 1]].astype(np.float32) / 32768.0

    def chunk(self, rng, n_local, duration=10.0):
        """A training chunk: n_local distinct global speakers conversing. -> audio, segs, global ids."""
        ids = pick_speakers(rng, TRAIN_SPEAKERS, n_local)
        audio, segs = compose(rng, n_local, lambda k: self.phrase(rng, ids[k]), duration,
                              start=rng.uniform(-1.5, 1.5))
        return quantize(audio), segs, ids
