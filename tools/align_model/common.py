"""Shared by the alignment model's data, training, export and evaluation: paths, the
wav2vec2-style character vocabulary, and the generated splits."""
import json
import os

import numpy as np

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
WORK = os.path.join(TOOLS, ".work", "align")
DATA = os.path.join(WORK, "data")
CKPT = os.path.join(WORK, "ckpt")
MODEL_DIR = os.path.join(ROOT, "models", "align-demo-en")
GOLDEN_DIR = os.path.join(ROOT, "test", "golden", "align-demo-en")

SAMPLE_RATE = 16000
# wav2vec2's conv stack: 400-sample receptive field, 320-sample stride
# -> frames = floor((samples - 400) / 320) + 1 for samples >= 400
WINDOW = 400
HOP = 320

VOCAB = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, "'": 5}
VOCAB.update({chr(ord("a") + i): 6 + i for i in range(26)})
BLANK = VOCAB["<pad>"]
SEPARATOR = VOCAB["|"]


def num_frames(num_samples):
    return (num_samples - WINDOW) // HOP + 1


def encode(text):
    """'status check' -> ids of 's t a t u s | c h e c k' (what the CTC loss is trained on)."""
    return [VOCAB.get(c, VOCAB["<unk>"]) for c in "|".join(text.lower().split())]


def normalize(audio):
    """Wav2Vec2FeatureExtractor with do_normalize=True: zero mean, unit variance per utterance."""
    audio = np.asarray(audio, dtype=np.float32)
    return (audio - audio.mean()) / np.sqrt(audio.var() + 1e-7)


class Split:
    """A generated split: int16 audio concatenated in audio.npy, and index.json with each
    utterance's offset, length, transcript and true word boundaries (seconds)."""

    def __init__(self, name):
        folder = os.path.join(DATA, name)
        self.audio = np.load(os.path.join(folder, "audio.npy"), mmap_mode="r")
        with open(os.path.join(folder, "index.json")) as fh:
            self.index = json.load(fh)

    def __len__(self):
        return len(self.index)

    def waveform(self, i):
        """float32 in [-1, 1), as a 16-bit wav file of it would decode."""
        e = self.index[i]
        return self.audio[e["offset"]:e["offset"] + e["num_samples"]].astype(np.float32) / 32768.0
