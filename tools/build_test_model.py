#!/usr/bin/env python3
"""Build the random-weight test model models/test-tiny-en/ and its golden references
test/golden/test-tiny-en/ (features, encoder output, first-step logits, greedy tokens).

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/build_test_model.py

`--shape tiny|base|small` instead writes an untrained model of that real Whisper size (full
embedding, fp32 only) to tools/.work/bench-models/<shape>-en/ for benchmarks (not committed).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_inputs import ensure_wavs  # noqa: E402
from whisper_onnx import export, features  # noqa: E402
from whisper_onnx.decode import first_step_logits, greedy  # noqa: E402
from whisper_onnx.model import Whisper, WhisperDims  # noqa: E402
from whisper_onnx.tokenizer import WhisperTokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1234
TEST_DIMS = WhisperDims(d_model=64, encoder_layers=2, encoder_heads=4, decoder_layers=2, decoder_heads=4,
                        ffn_dim=256, embedding="hashed")
BENCH_SHAPES = {  # openai/whisper model dims
    "tiny": dict(d_model=384, encoder_layers=4, encoder_heads=6, decoder_layers=4, decoder_heads=6, ffn_dim=1536),
    "base": dict(d_model=512, encoder_layers=6, encoder_heads=8, decoder_layers=6, decoder_heads=8, ffn_dim=2048),
    "small": dict(d_model=768, encoder_layers=12, encoder_heads=12, decoder_layers=12, decoder_heads=12, ffn_dim=3072),
}
MAX_NEW_TOKENS = 40


def random_model(dims, seed):
    torch.manual_seed(seed)
    model = Whisper(dims).eval()
    with torch.no_grad():
        # A default init decodes one repeated token whatever the audio (tied embeddings echo the
        # input token). Strong positions, peaky cross-attention with a large output make greedy
        # tokens change every step and depend on the audio.
        emb = model.decoder.token_embedding
        for p in ([emb.low, emb.high] if dims.embedding == "hashed" else [emb.weight]):
            p.normal_(0, 0.5)
        model.decoder.positional_embedding.normal_(0, 4.0)
        for block in model.decoder.blocks:
            block.cross_attn.query.weight.mul_(8)
            block.cross_attn.out.weight.mul_(8)
        for block in model.encoder.blocks:
            block.attn.query.weight.mul_(3)
    return model


def write_f32(path, arr):
    np.ascontiguousarray(arr, dtype="<f4").tofile(path)


def build_golden(model, tok, folder, gen, wavs=None, model_path="models/test-tiny-en", full_encoder=("speech",)):
    """Golden references of `model` for the wavs (name -> waveform; default: the test inputs,
    written to <folder>/inputs/ on first use)."""
    os.makedirs(folder, exist_ok=True)
    wavs = wavs if wavs is not None else ensure_wavs(os.path.join(folder, "inputs"))
    names = list(wavs)
    n_samples = 2 * model.dims.n_audio_ctx * 160
    feats = {n: features.log_mel(a, model.dims.n_mels, n_samples) for n, a in wavs.items()}
    suppress, begin = gen["suppress_tokens"], gen["begin_suppress_tokens"]
    prompts = {"notimestamps": [tok.sot, tok.no_timestamps], "timestamps": [tok.sot]}
    golden = {
        "model": model_path,
        "format": "see test/golden/README.md",
        "sampling_rate": 16000, "n_mels": model.dims.n_mels, "n_frames": n_samples // 160,
        "max_new_tokens": MAX_NEW_TOKENS,
        "prompts": prompts,
        "suppress_tokens": suppress, "begin_suppress_tokens": begin,
        "eot": tok.eot,
        "batches": {"1": [[i] for i in range(len(names))], "2": [list(range(i, min(i + 2, len(names)))) for i in range(0, len(names), 2)],
                    "8": [list(range(i, min(i + 8, len(names)))) for i in range(0, len(names), 8)]},
        "inputs": [],
    }
    batch = torch.stack([feats[n] for n in names])
    enc, step1 = first_step_logits(model, batch, prompts["notimestamps"])
    _, step1_ts = first_step_logits(model, batch, prompts["timestamps"])
    tokens = {}
    for pname, prompt in prompts.items():
        runs = {}
        for bs, groups in golden["batches"].items():
            res = [None] * len(names)
            for g in groups:
                for i, t in zip(g, greedy(model, batch[g], prompt, MAX_NEW_TOKENS, suppress, begin, tok.eot)):
                    res[i] = t
            runs[bs] = res
        assert runs["1"] == runs["2"] == runs["8"], f"batched decoding differs from unbatched ({pname})"
        tokens[pname] = runs["1"]
    for i, name in enumerate(names):
        audio = wavs[name]
        f = feats[name].numpy()
        stored = min(f.shape[1], int(np.ceil((len(audio) + 200) / 160)) + 1)
        pad_value = float(f[0, -1])
        assert np.all(f[:, stored:] == pad_value)
        write_f32(os.path.join(folder, f"features_{name}.f32"), f[:, :stored])
        e = enc[i].numpy()
        rows = [0, 1, 2, 10, 100, e.shape[0] // 2, e.shape[0] - 1]
        topk = lambda row, k=10: {"ids": row.topk(k).indices.tolist(), "values": [round(v, 6) for v in row.topk(k).values.tolist()]}
        entry = {
            "name": name,
            "wav": f"inputs/{name}.wav",
            "num_samples": len(audio),
            "features": {"file": f"features_{name}.f32", "shape": [f.shape[0], stored], "pad_value": pad_value,
                         "full_shape": list(f.shape), "mean": float(f.mean()), "max": float(f.max()), "min": float(f.min())},
            "encoder": {"shape": list(e.shape), "rows": {str(r): [round(float(v), 6) for v in e[r]] for r in rows},
                        "mean": float(e.mean()), "std": float(e.std()), "abs_max": float(np.abs(e).max())},
            "first_step_logits": {
                "notimestamps": {**topk(step1[i]), "mean": float(step1[i].mean()), "std": float(step1[i].std()),
                                 "at": {str(t): round(float(step1[i, t]), 6) for t in [tok.eot, tok.sot, tok.no_timestamps, tok.timestamp_begin, 220, 530]}},
                "timestamps": {**topk(step1_ts[i]), "mean": float(step1_ts[i].mean()), "std": float(step1_ts[i].std())},
            },
            "tokens": tokens["notimestamps"][i],
            "tokens_timestamps": tokens["timestamps"][i],
            "text": tok.decode(tokens["notimestamps"][i]),
        }
        golden["inputs"].append(entry)
        if name in full_encoder:
            write_f32(os.path.join(folder, f"encoder_{name}.f32"), e)
            entry["encoder"]["file"] = f"encoder_{name}.f32"
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "golden.json"), "w") as fh:
        json.dump(golden, fh, indent=1)
    return golden


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", choices=sorted(BENCH_SHAPES), help="benchmark-size model instead of the test model")
    ap.add_argument("--out", help="output folder")
    args = ap.parse_args()
    torch.set_num_threads(2)
    tok = WhisperTokenizer()
    if args.shape:
        dims = WhisperDims(**BENCH_SHAPES[args.shape])
        out = args.out or os.path.join(ROOT, "tools", ".work", "bench-models", f"{args.shape}-en")
        model = random_model(dims, SEED)
        export.write_configs(model, out)
        print("\n".join(export.write_variants(model, out, variants=("fp32",))))
        return
    out = args.out or os.path.join(ROOT, "models", "test-tiny-en")
    model = random_model(TEST_DIMS, SEED)
    _, gen, _ = export.write_configs(model, out, extra_config={"_comment": "random weights (tools/build_test_model.py, seed %d); for tests only" % SEED})
    for p in export.write_variants(model, out):
        print(p, os.path.getsize(p))
    golden = build_golden(model, tok, os.path.join(ROOT, "test", "golden", "test-tiny-en"), gen)
    for entry in golden["inputs"]:
        print(entry["name"], entry["tokens"][:12], "...", len(entry["tokens"]), "|", entry["tokens_timestamps"][:8])


if __name__ == "__main__":
    main()
