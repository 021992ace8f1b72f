#!/usr/bin/env python3
"""Export a demo-model checkpoint to models/whisperx-demo-en/ (Whisper ONNX layout, 10 s chunks)
and write its golden references to test/golden/whisperx-demo-en/.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/demo_model/export_demo.py [--ckpt best|last|PATH]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from build_test_model import build_golden  # noqa: E402
from demo_model.common import ROOT, WORK, demo_dims, tokenizer  # noqa: E402
from demo_model.recipe import CHUNK_SECONDS  # noqa: E402
from golden_inputs import read_wav, write_wav  # noqa: E402
from whisper_onnx import export  # noqa: E402
from whisper_onnx.model import Whisper, WhisperDims  # noqa: E402

OUT = os.path.join(ROOT, "models", "whisperx-demo-en")
SAMPLE = os.path.join(ROOT, "samples", "demo-status-check.wav")
GOLDEN = os.path.join(ROOT, "test", "golden", "whisperx-demo-en")


def load(ckpt):
    path = ckpt if os.path.isfile(ckpt) else os.path.join(WORK, "ckpt", f"{ckpt}.pt")
    ck = torch.load(path)
    dims = WhisperDims(**ck["dims"])
    model = Whisper(dims)
    model.load_state_dict({k[len("model."):]: v for k, v in ck["trainer"].items() if k.startswith("model.")})
    return model.eval(), ck


def golden_wavs(sample, golden_folder):
    """The committed sample plus a few held-out / unseen-voice clips and silence (16-bit wavs)."""
    from demo_model.common import Split
    from demo_model.synth import render
    folder = os.path.join(golden_folder, "inputs")
    os.makedirs(folder, exist_ok=True)
    wavs = {"demo-status-check": read_wav(sample)}
    write_wav(os.path.join(folder, "demo-status-check.wav"), wavs["demo-status-check"])
    picks = {"heldout": [0, 1, 2], "unseen": [0, 1]}
    for split, ids in picks.items():
        index = Split(split).index
        for i in ids:
            name = f"{split}-{i}"
            path = os.path.join(folder, f"{name}.wav")
            if not os.path.exists(path):
                write_wav(path, render(index[i]["spec"])[0])
            wavs[name] = read_wav(path)
    path = os.path.join(folder, "silence.wav")
    if not os.path.exists(path):
        write_wav(path, torch.zeros(16000 * 2).numpy())
    wavs["silence"] = read_wav(path)
    return wavs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="best")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--golden", default=GOLDEN)
    ap.add_argument("--no-golden", action="store_true")
    ap.add_argument("--sample", default=SAMPLE)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, ck = load(args.ckpt)
    # begin_suppress_tokens without EOT: an empty transcript (silence, noise) must stay possible
    _, gen, _ = export.write_configs(model, args.out, chunk_length=CHUNK_SECONDS, extra_config={
        "_comment": "small demo model for the console's own vocabulary (see MODEL_CARD.md); not a general speech model"},
        begin_suppress=(220,))
    for p in export.write_variants(model, args.out, variants=("fp32", "fp16", "int8"), fp16_fp32_ops=("GRU",),
                                   int8_aliases=("_int8",), fp16_encoder_in_fp32=True):
        print(p, os.path.getsize(p))
    if not args.no_golden:
        golden = build_golden(model, tokenizer(), args.golden, gen, wavs=golden_wavs(args.sample, args.golden),
                              model_path=os.path.relpath(args.out, ROOT), full_encoder=("demo-status-check",))
        for e in golden["inputs"]:
            print(e["name"], repr(e["text"]))
    print("exported step", ck["step"])


if __name__ == "__main__":
    main()
