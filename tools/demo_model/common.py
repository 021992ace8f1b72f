"""Shared by training, export and evaluation of the demo model."""
import json
import os

import numpy as np
import torch

from whisper_onnx.model import WhisperDims
from whisper_onnx.tokenizer import WhisperTokenizer

from .recipe import CHUNK_SECONDS, WORDS

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TOOLS)
WORK = os.path.join(TOOLS, ".work", "demo")
N_FRAMES = CHUNK_SECONDS * 100

_tok = None


def tokenizer():
    global _tok
    if _tok is None:
        _tok = WhisperTokenizer()
    return _tok


def kept_token_ids():
    """The rows the demo model keeps: its words' BPE tokens, the space, and all specials
    (50256..50362). Timestamps are not kept (the demo model is trained without them)."""
    tok = tokenizer()
    ids = {220}
    for w in WORDS:
        ids |= set(tok.encode(" " + w))
    ids |= set(range(tok.eot, tok.no_timestamps + 1))
    return sorted(ids)


def demo_dims():
    return WhisperDims(
        n_mels=80, n_audio_ctx=N_FRAMES // 2, n_text_ctx=448, n_vocab=51864,
        d_model=128, encoder_layers=2, encoder_heads=4, decoder_layers=2, decoder_heads=4, ffn_dim=512,
        # conv-only encoder: the BiGRU version sat on CTC's all-blank plateau for 2000 steps
        encoder_kind="conv_bigru", gru_hidden=128, gru_layers=0, conv_blocks=6,
        embedding="kept", kept_token_ids=kept_token_ids(),
    )


def target_tokens(text):
    tok = tokenizer()
    return tok.encode(" " + text) if text else []


class Split:
    """A generated split: float16 frames + index, padded on demand with each sample's pad value."""

    def __init__(self, name):
        folder = os.path.join(WORK, "data", name)
        self.features = np.load(os.path.join(folder, "features.npy"), mmap_mode="r")
        with open(os.path.join(folder, "index.json")) as fh:
            self.index = json.load(fh)

    def __len__(self):
        return len(self.index)

    def batch(self, ids, length):
        out = np.empty((len(ids), 80, length), np.float32)
        for j, i in enumerate(ids):
            e = self.index[i]
            n = min(e["frames"], length)
            out[j, :, :] = e["pad"]
            out[j, :, :n] = self.features[e["offset"]:e["offset"] + n].T.astype(np.float32)
        return torch.from_numpy(out)


def wer_counts(ref, hyp):
    r, h = ref.split(), hyp.split()
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)
