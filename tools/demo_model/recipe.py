"""The demo model's data recipe: vocabulary, voices and the per-utterance random choices."""
import numpy as np

WORDS = ("zero one two three four five six seven eight nine gpu lock release restart service status check "
         "health alert error warning critical high medium low memory disk redis queue job worker model batch "
         "log clean cache backup failed done start stop").split()

BASE_VOICES = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us-nyc"]
VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+f1", "+f2", "+f3"]
# Never used for training: two more accents, and two variants with every accent.
UNSEEN_BASES = ["en-gb-x-gbclan", "en-gb-x-gbcwmd"]
UNSEEN_VARIANTS = ["+m7", "+f4"]

TRAIN_VOICES = [b + v for b in BASE_VOICES for v in VARIANTS]
UNSEEN_VOICES = [b + v for b in UNSEEN_BASES for v in [""] + VARIANTS[1:] + UNSEEN_VARIANTS] + \
                [b + v for b in BASE_VOICES for v in UNSEEN_VARIANTS]

SAMPLE_RATE = 16000
CHUNK_SECONDS = 10


def random_sequence(rng, min_words=1, max_words=8):
    n = int(rng.integers(min_words, max_words + 1))
    return " ".join(rng.choice(WORDS, n))


def utterance_spec(rng, voices, text=None, max_words=8):
    """One recording's choices. Speech is 1-8 words, 130-200 wpm, pitch 25-75."""
    return {
        "text": text if text is not None else random_sequence(rng, 1, max_words),
        "voice": str(rng.choice(voices)),
        "speed": int(rng.integers(130, 201)),
        "pitch": int(rng.integers(25, 76)),
        "lead": float(rng.uniform(0.02, 0.6)),
        "trail": float(rng.uniform(0.02, 0.6)),
        "gain_db": float(rng.uniform(-14, 2)),
        "noise_db": float(rng.uniform(-75, -40)) if rng.random() < 0.8 else None,  # white noise, dBFS rms
    }


def sample_spec(rng, voices, p_multi=0.15, p_empty=0.03):
    """A training/eval sample: one utterance, several with pauses (up to the chunk length),
    or none (silence / noise only, empty transcript)."""
    r = rng.random()
    if r < p_empty:
        return {"parts": [], "duration": float(rng.uniform(0.5, CHUNK_SECONDS)),
                "noise_db": float(rng.uniform(-70, -35)) if rng.random() < 0.7 else None,
                "gain_db": 0.0, "seed": int(rng.integers(2**31))}
    n_parts = int(rng.integers(2, 4)) if r < p_empty + p_multi else 1
    parts = [utterance_spec(rng, voices) for _ in range(n_parts)]
    voice = parts[0]["voice"]
    for p in parts[1:]:
        p["voice"] = voice  # one speaker per recording
        p["lead"] = float(rng.uniform(0.25, 1.2))
    return {"parts": parts, "noise_db": parts[0]["noise_db"], "gain_db": parts[0]["gain_db"],
            "seed": int(rng.integers(2**31))}
