"""Export a torch Whisper to the onnx-community / Xenova folder layout."""
import copy
import io
import json
import os

import onnx
import torch
import torch.nn as nn

from . import onnx_graph
from .model import Whisper
from .tokenizer import WhisperTokenizer

OPSET = 17


class _Encoder(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, input_features):
        return self.encoder(input_features)


class _DecoderNoPast(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, input_ids, encoder_hidden_states):
        logits, presents, cross = self.decoder(input_ids, encoder_hidden_states)
        out = [logits]
        for (dk, dv), (ek, ev) in zip(presents, cross):
            out += [dk, dv, ek, ev]
        return tuple(out)


class _DecoderWithPast(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, input_ids, *past):
        n = len(self.decoder.blocks)
        self_past = [(past[4 * i], past[4 * i + 1]) for i in range(n)]
        cross = [(past[4 * i + 2], past[4 * i + 3]) for i in range(n)]
        logits, presents, _ = self.decoder(input_ids, self_past=self_past, cross=cross)
        out = [logits]
        for dk, dv in presents:
            out += [dk, dv]
        return tuple(out)


def _export(module, args, input_names, output_names, dynamic_axes):
    f = io.BytesIO()
    # Not under no_grad (torch 1.13 traces hand-written attention reliably only with grad on).
    # No constant folding: folding would duplicate the tied embedding (a transposed copy) and
    # expand compressed embeddings into full tables; weight transposes are folded by us instead.
    torch.onnx.export(module, args, f, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=False)
    return onnx_graph.fold_weight_transposes(onnx.load_from_string(f.getvalue()))


def _past_names(n_layers, kinds=("decoder", "encoder")):
    names = []
    for i in range(n_layers):
        for kind in kinds:
            names += [f"{kind}.{i}.key", f"{kind}.{i}.value"]
    return names


def export_onnx(model: Whisper):
    """Returns (encoder ModelProto, no-past decoder, with-past decoder), fp32."""
    d = model.dims
    model = model.eval()
    n_frames = 2 * d.n_audio_ctx
    feats = torch.randn(2, d.n_mels, n_frames)
    enc = _export(_Encoder(model), (feats,), ["input_features"], ["last_hidden_state"],
                  {"input_features": {0: "batch_size", 2: "encoder_sequence_length"},
                   "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length / 2"}})
    hidden = torch.randn(2, d.n_audio_ctx, d.d_model)
    ids = torch.tensor([[50257, 50362], [50257, 50362]])
    L, H, Dh = d.decoder_layers, d.decoder_heads, d.d_model // d.decoder_heads
    out_names = ["logits"]
    for i in range(L):
        out_names += [f"present.{i}.decoder.key", f"present.{i}.decoder.value",
                      f"present.{i}.encoder.key", f"present.{i}.encoder.value"]
    axes = {"input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
            "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
            "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    for n in out_names[1:]:
        axes[n] = {0: "batch_size", 2: "past_decoder_sequence_length + 1" if "decoder" in n else "encoder_sequence_length_out"}
    no_past = _export(_DecoderNoPast(model), (ids, hidden), ["input_ids", "encoder_hidden_states"], out_names, axes)

    past, past_names = [], []
    for i in range(L):
        past += [torch.randn(2, H, 3, Dh), torch.randn(2, H, 3, Dh), torch.randn(2, H, d.n_audio_ctx, Dh), torch.randn(2, H, d.n_audio_ctx, Dh)]
        past_names += [f"past_key_values.{i}.decoder.key", f"past_key_values.{i}.decoder.value",
                       f"past_key_values.{i}.encoder.key", f"past_key_values.{i}.encoder.value"]
    wp_out = ["logits"] + [n for n in out_names[1:] if ".decoder." in n]
    wp_axes = {"input_ids": {0: "batch_size", 1: "decoder_sequence_length"}, "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    for n in past_names:
        wp_axes[n] = {0: "batch_size", 2: "past_decoder_sequence_length" if "decoder" in n else "encoder_sequence_length_out"}
    for n in wp_out[1:]:
        wp_axes[n] = {0: "batch_size", 2: "past_decoder_sequence_length + 1"}
    with_past = _export(_DecoderWithPast(model), (ids[:, -1:], *past), ["input_ids"] + past_names, wp_out, wp_axes)
    return enc, no_past, with_past


def write_variants(model: Whisper, folder, variants=("fp32", "fp16", "int8"), fp16_fp32_ops=(), int8_aliases=("_int8", "_quantized"),
                   fp16_encoder_in_fp32=False):
    """fp16_encoder_in_fp32: the _fp16 encoder computes in float32 and only casts its output
    (ORT 1.31 CPU crashes creating a session for a float16 graph around the ONNX GRU)."""
    d = model.dims
    enc, no_past, with_past = export_onnx(model)
    L, H, Dh = d.decoder_layers, d.decoder_heads, d.d_model // d.decoder_heads
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    written = []
    for variant in variants:
        e, a, b = copy.deepcopy(enc), copy.deepcopy(no_past), copy.deepcopy(with_past)
        ftype = onnx.TensorProto.FLOAT
        if variant == "fp16":
            e = onnx_graph.float16_outputs(e) if fp16_encoder_in_fp32 else onnx_graph.to_float16(e, fp16_fp32_ops)
            a, b = (onnx_graph.to_float16(m, fp16_fp32_ops) for m in (a, b))
            ftype = onnx.TensorProto.FLOAT16
        elif variant == "int8":
            e, a, b = (onnx_graph.quantize_dynamic_int8(m) for m in (e, a, b))
        merged = onnx_graph.merge_decoders(a, b, L, H, Dh, ftype)
        suffixes = {"fp32": [""], "fp16": ["_fp16"], "int8": list(int8_aliases)}[variant]
        for suffix in suffixes:
            for name, m in (("encoder_model", e), ("decoder_model_merged", merged)):
                path = os.path.join(folder, "onnx", f"{name}{suffix}.onnx")
                onnx.save(m, path)
                written.append(path)
    return written


def non_speech_tokens(tok: WhisperTokenizer):
    """openai/whisper Tokenizer.non_speech_tokens (the `-1` in suppress_tokens)."""
    symbols = list('"#()*+/:;<=>@[\\]^_`{|}~「」『』')
    symbols += "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".split()
    misc = set("♩♪♫♬♭♮♯")
    result = {tok.encode(" -")[0], tok.encode(" '")[0]}
    for s in symbols + sorted(misc):
        for ids in (tok.encode(s), tok.encode(" " + s)):
            if len(ids) == 1 or s in misc:
                result.add(ids[0])
    return sorted(result)


def suppress_tokens(tok: WhisperTokenizer):
    specials = ["<|startoftranscript|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
                "<|nospeech|>" if tok.multilingual else "<|nocaptions|>"]
    return sorted(set(non_speech_tokens(tok)) | {tok[s] for s in specials})


def write_configs(model: Whisper, folder, chunk_length=30, extra_config=None, begin_suppress=(220, 50256)):
    d = model.dims
    tok = WhisperTokenizer(multilingual=False)
    assert d.n_vocab == tok.n_vocab
    n_samples = chunk_length * 16000
    assert n_samples // 160 == 2 * d.n_audio_ctx, "chunk_length must match the encoder's frames"
    config = {
        "_name_or_path": os.path.basename(os.path.abspath(folder)),
        "architectures": ["WhisperForConditionalGeneration"],
        "model_type": "whisper",
        "is_encoder_decoder": True,
        "activation_function": "gelu",
        "d_model": d.d_model,
        "encoder_layers": d.encoder_layers, "encoder_attention_heads": d.encoder_heads, "encoder_ffn_dim": d.ffn_dim,
        "decoder_layers": d.decoder_layers, "decoder_attention_heads": d.decoder_heads, "decoder_ffn_dim": d.ffn_dim,
        "num_hidden_layers": d.encoder_layers,
        "num_mel_bins": d.n_mels,
        "max_source_positions": d.n_audio_ctx,
        "max_target_positions": d.n_text_ctx,
        "max_length": d.n_text_ctx,
        "vocab_size": d.n_vocab,
        "bos_token_id": tok.eot, "eos_token_id": tok.eot, "pad_token_id": tok.eot,
        "decoder_start_token_id": tok.sot,
        "scale_embedding": False, "use_cache": True, "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "begin_suppress_tokens": list(begin_suppress),
        "suppress_tokens": suppress_tokens(tok),
    }
    if extra_config:
        config.update(extra_config)
    generation = {
        "decoder_start_token_id": tok.sot,
        "bos_token_id": tok.eot, "eos_token_id": tok.eot, "pad_token_id": tok.eot,
        "no_timestamps_token_id": tok.no_timestamps,
        "prev_sot_token_id": tok["<|startofprev|>"],
        "is_multilingual": False,
        "max_initial_timestamp_index": 50,
        "max_length": d.n_text_ctx,
        "return_timestamps": False,
        "suppress_tokens": suppress_tokens(tok),
        "begin_suppress_tokens": list(begin_suppress),
        "forced_decoder_ids": None,
        "alignment_heads": [[d.decoder_layers - 1, h] for h in range(d.decoder_heads)],
    }
    preprocessor = {
        "chunk_length": chunk_length,
        "feature_extractor_type": "WhisperFeatureExtractor",
        "feature_size": d.n_mels,
        "hop_length": 160,
        "n_fft": 400,
        "n_samples": n_samples,
        "nb_max_frames": n_samples // 160,
        "padding_side": "right",
        "padding_value": 0.0,
        "processor_class": "WhisperProcessor",
        "return_attention_mask": False,
        "sampling_rate": 16000,
    }
    os.makedirs(folder, exist_ok=True)
    for name, obj in (("config.json", config), ("generation_config.json", generation), ("preprocessor_config.json", preprocessor)):
        with open(os.path.join(folder, name), "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
    tok.write(folder)
    return config, generation, preprocessor
