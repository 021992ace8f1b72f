#!/usr/bin/env python3
"""Export both models to ONNX with sherpa-onnx style metadata, and write the parity goldens.

-> models/diarize-demo/{segmentation,embedding}/model.onnx
-> test/golden/diarize-demo/conversation-{1,2}.{wav,rttm}, segmentation.json, embedding.json
-> tools/.work/diarize/parity/*.f32 (full torch outputs and inputs, for check_onnx.mjs)
"""
import json
import os
import shutil
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conv import ROOT, SAMPLE_RATE, WORK, read_rttm, read_wav, write_rttm  # noqa: E402
from fbank import fbank  # noqa: E402
from models import FRAME_SHIFT, NUM_FRAMES, RECEPTIVE_FIELD, WINDOW, Embedding, Segmentation  # noqa: E402

MODELS = os.path.join(ROOT, "models", "diarize-demo")
GOLDEN = os.path.join(ROOT, "test", "golden", "diarize-demo")
PARITY = os.path.join(WORK, "parity")
COMMENT = ("Demo model for the WhisperX Operator Console: trained only on synthetic espeak-ng conversations "
           "(60 voices), not real speech. See MODEL_CARD.md.")

SEG_META = {
    "model_type": "pyannote-segmentation-3.0", "version": "1", "num_speakers": "3", "powerset_max_classes": "2",
    "num_classes": "7", "sample_rate": str(SAMPLE_RATE), "window_size": str(WINDOW), "window_shift": "16000",
    "receptive_field_size": str(RECEPTIVE_FIELD), "receptive_field_shift": str(FRAME_SHIFT),
    "model_author": "WhisperX Operator Console (tools/diarize_model)", "maintainer": "WhisperX Operator Console",
    "url": "tools/diarize_model/README.md", "license": "MIT (this repository)", "comment": COMMENT,
}
EMB_DIM = 128
EMB_META = {
    "framework": "wespeaker", "output_dim": str(EMB_DIM), "sample_rate": str(SAMPLE_RATE), "normalize_samples": "0",
    "language": "English", "feature_dim": "80", "url": "tools/diarize_model/README.md",
    "comment": COMMENT + " Input: 80-bin Kaldi fbank of int16-range samples (float audio * 32768), "
                         "mean over time subtracted (tools/diarize_model/fbank.py).",
}


def add_meta(path, meta):
    m = onnx.load(path)
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.save(m, path)


def load(kind):
    model = Segmentation() if kind == "seg" else Embedding()
    model.load_state_dict(torch.load(os.path.join(WORK, "ckpt", f"{kind}_best.pt"))["model"])
    return model.eval()


def f32(name, t):
    os.makedirs(PARITY, exist_ok=True)
    np.ascontiguousarray(t.detach().numpy(), dtype="<f4").tofile(os.path.join(PARITY, name))


def main():
    torch.set_num_threads(1)
    os.makedirs(GOLDEN, exist_ok=True)
    # goldens: two held-out conversations (<= 40 s)
    for i, name in enumerate(["heldout-000", "heldout-001"], 1):
        dst = f"conversation-{i}"
        shutil.copy(os.path.join(WORK, "heldout", name + ".wav"), os.path.join(GOLDEN, dst + ".wav"))
        segs = read_rttm(os.path.join(WORK, "heldout", name + ".rttm"))
        names = sorted({k for _, _, k in segs})
        write_rttm(os.path.join(GOLDEN, dst + ".rttm"), dst, [(s, e, names.index(k)) for s, e, k in segs], names)
    audio = read_wav(os.path.join(GOLDEN, "conversation-1.wav"))

    # segmentation
    seg = load("seg")
    path = os.path.join(MODELS, "segmentation", "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    x = torch.from_numpy(audio[:WINDOW].copy()).reshape(1, 1, WINDOW)
    torch.onnx.export(seg, (x,), path, input_names=["x"], output_names=["y"], opset_version=13,
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    add_meta(path, SEG_META)
    with torch.no_grad():
        y = seg(x)
    assert y.shape == (1, NUM_FRAMES, 7)
    f32("seg_x.f32", x)
    f32("seg_y.f32", y)
    frames = [int(round(v)) for v in np.linspace(0, NUM_FRAMES - 1, 20)]
    doc = {"description": "Segmentation model output y (log-softmax over the powerset {none, s0, s1, s2, s0+s1, "
                          "s0+s2, s1+s2}) for the first 10 s window (samples 0..160000) of conversation-1.wav, "
                          "at 20 frames. Frame i is centred at sample i*270 + 495. Tolerance 1e-3.",
           "input": "conversation-1.wav", "start_sample": 0, "end_sample": WINDOW,
           "frames": [{"frame": f, "y": [round(float(v), 5) for v in y[0, f]], "argmax": int(y[0, f].argmax())}
                      for f in frames]}
    with open(os.path.join(GOLDEN, "segmentation.json"), "w") as f:
        json.dump(doc, f, indent=1)

    # embedding: a 2 s crop inside the first speaker's first long stretch of speech
    emb = load("emb")
    segs = read_rttm(os.path.join(GOLDEN, "conversation-1.rttm"))
    start = int(segs[0][0] * SAMPLE_RATE)
    end = start + 2 * SAMPLE_RATE
    feats = fbank(audio[start:end]).unsqueeze(0)
    path = os.path.join(MODELS, "embedding", "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(emb, (feats,), path, input_names=["feats"], output_names=["embs"], opset_version=13,
                      dynamic_axes={"feats": {0: "N", 1: "T"}, "embs": {0: "N"}})
    add_meta(path, EMB_META)
    with torch.no_grad():
        e = emb(feats)
    f32("emb_feats.f32", feats)
    f32("emb_embs.f32", e)
    doc = {"description": "Embedding model output embs for a 2 s crop of conversation-1.wav: samples "
                          "[start_sample, end_sample) -> fbank.py (x32768, Kaldi fbank, CMN over the crop) -> "
                          "feats [1, T, 80] -> embs [1, D] (not L2-normalised). Tolerance 1e-3.",
           "input": "conversation-1.wav", "start_sample": start, "end_sample": end,
           "feats_shape": list(feats.shape), "embs": [round(float(v), 5) for v in e[0]]}
    with open(os.path.join(GOLDEN, "embedding.json"), "w") as f:
        json.dump(doc, f, indent=1)
    for kind in ("segmentation", "embedding"):
        p = os.path.join(MODELS, kind, "model.onnx")
        print(f"{p}: {os.path.getsize(p) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
