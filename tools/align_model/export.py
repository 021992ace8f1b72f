#!/usr/bin/env python3
"""Export a checkpoint to models/align-demo-en/ (ONNX fp32 + Hugging Face style configs) and
write the torch side of the ONNX parity check (tools/.work/align/parity/, read by check_onnx.mjs).
The model card is written by evaluate.py, which measures the figures it quotes."""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from align_model.common import CKPT, HOP, MODEL_DIR, SAMPLE_RATE, VOCAB, WORK, Split  # noqa: E402
from align_model.model import AlignModel  # noqa: E402

PARITY = os.path.join(WORK, "parity")


def load(ckpt="best"):
    model = AlignModel()
    state = torch.load(os.path.join(CKPT, f"{ckpt}.pt"))
    model.load_state_dict(state["model"])
    return model.eval(), state


def write_configs(folder):
    vocab_size = len(VOCAB)
    config = {
        "model_type": "wav2vec2",
        "architectures": ["Wav2Vec2ForCTC"],
        "_name_or_path": "align-demo-en",
        "vocab_size": vocab_size,
        "pad_token_id": VOCAB["<pad>"],
        "bos_token_id": VOCAB["<s>"],
        "eos_token_id": VOCAB["</s>"],
        "word_delimiter_token": "|",
        "ctc_loss_reduction": "sum",
        "inputs_to_logits_ratio": HOP,
        # the conv stack wav2vec2 would need for the same frame formula
        "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
        "conv_stride": [5, 2, 2, 2, 2, 2, 2],
        "feat_extract_norm": "group",
        "do_stable_layer_norm": False,
        "torch_dtype": "float32",
        "demo_architecture": "in-graph normalisation + 400-point DFT every 320 samples -> 64 log-mel "
                             "-> 2 conv1d (128) -> BiGRU (2x128) -> linear (32); not a transformer",
    }
    preprocessor = {
        "feature_extractor_type": "Wav2Vec2FeatureExtractor",
        "processor_class": "Wav2Vec2Processor",
        "do_normalize": False,  # the graph normalises each row itself
        "feature_size": 1,
        "padding_side": "right",
        "padding_value": 0.0,
        "return_attention_mask": False,
        "sampling_rate": SAMPLE_RATE,
    }
    tokenizer = {
        "tokenizer_class": "Wav2Vec2CTCTokenizer",
        "processor_class": "Wav2Vec2Processor",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "word_delimiter_token": "|",
        "do_lower_case": True,
        "replace_word_delimiter_char": " ",
    }
    special = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}
    for name, obj in [("config.json", config), ("preprocessor_config.json", preprocessor),
                      ("tokenizer_config.json", tokenizer), ("special_tokens_map.json", special), ("vocab.json", VOCAB)]:
        with open(os.path.join(folder, name), "w") as fh:
            json.dump(obj, fh, indent=2)
            fh.write("\n")


def parity_cases(model):
    """Inputs for check_onnx.mjs and torch's logits for them: the shortest input (400
    samples), odd lengths, a batch of 2, and a held-out utterance."""
    rng = np.random.default_rng(3)
    heldout = Split("heldout")
    speech = heldout.waveform(0)
    cases = {
        "min_400": rng.standard_normal((1, 400)) * 0.1,
        "odd_12345": rng.standard_normal((1, 12345)) * 0.05,
        "batch2_odd_20001": np.stack([heldout.waveform(1)[:20001], heldout.waveform(2)[:20001]]),
        "heldout0": speech[None],
        "batch2_heldout0_twice_scaled": np.stack([speech, speech * 0.01]),
    }
    os.makedirs(PARITY, exist_ok=True)
    manifest = []
    with torch.no_grad():
        for name, x in cases.items():
            x = x.astype(np.float32)
            y = model(torch.from_numpy(x)).numpy()
            x.tofile(os.path.join(PARITY, f"{name}.in.f32"))
            y.astype(np.float32).tofile(os.path.join(PARITY, f"{name}.logits.f32"))
            manifest.append({"name": name, "input_shape": list(x.shape), "logits_shape": list(y.shape)})
    with open(os.path.join(PARITY, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="best")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, state = load(args.ckpt)
    os.makedirs(os.path.join(MODEL_DIR, "onnx"), exist_ok=True)
    path = os.path.join(MODEL_DIR, "onnx", "model.onnx")
    # exported with autograd on: torch 1.13's exporter mis-traces some ops under no_grad
    torch.onnx.export(model, (torch.zeros(1, 16000),), path, input_names=["input_values"], output_names=["logits"],
                      dynamic_axes={"input_values": {0: "batch_size", 1: "sequence_length"},
                                    "logits": {0: "batch_size", 1: "frames"}},
                      opset_version=14, do_constant_folding=True)
    write_configs(MODEL_DIR)
    parity_cases(model)
    print("exported step", state["step"], path, os.path.getsize(path), "bytes", flush=True)


if __name__ == "__main__":
    main()
