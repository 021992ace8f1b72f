"""Whisper-architecture encoder/decoder in plain torch, written so torch 1.13 exports clean ONNX.

Attention is written out by hand (no nn.MultiheadAttention / SDPA) and the decoder takes and
returns key/value caches in the [batch, heads, seq, head_dim] layout optimum uses.
"""
import math
from dataclasses import dataclass, field, asdict
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class WhisperDims:
    n_mels: int = 80
    n_audio_ctx: int = 1500          # encoder output frames = max_source_positions
    n_text_ctx: int = 448            # max_target_positions
    n_vocab: int = 51864
    d_model: int = 64
    encoder_layers: int = 2
    encoder_heads: int = 2
    decoder_layers: int = 2
    decoder_heads: int = 2
    ffn_dim: int = 256
    # "whisper": 2 convs + sinusoidal positions + pre-LN transformer.
    # "conv_bigru": conv stack (stride 8) + bidirectional GRU, upsampled back to 50 Hz.
    # "conv_bigru_ctc": the same with its CTC head decoded in the graph (CTCBridgeEncoder).
    encoder_kind: str = "whisper"
    gru_hidden: int = 128
    gru_layers: int = 2              # 0: no GRU, only the conv blocks below
    conv_blocks: int = 0             # residual dilated conv blocks after the strided convs
    # "full": [n_vocab, d_model] table. "hashed": rows = A[i % m] + B[i // m] (tiny test models).
    # "kept": only kept_token_ids have rows; ids are mapped inside the graph and every other
    # token gets logit -1e4, so the interface stays the full vocabulary.
    embedding: str = "full"
    hash_buckets: int = 256
    kept_token_ids: List[int] = field(default_factory=list)

    def to_dict(self):
        return asdict(self)


def sinusoids(length, channels, max_timescale=10000):
    inc = math.log(max_timescale) / (channels // 2 - 1)
    inv = torch.exp(-inc * torch.arange(channels // 2))
    t = torch.arange(length)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1)


class LayerNorm(nn.LayerNorm):
    def forward(self, x):
        return super().forward(x.float()).type(x.dtype)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of a [batch, channels, time] tensor."""

    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d)), eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps) * self.weight[:, None] + self.bias[:, None]


class MultiHeadAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.head_dim = heads, d // heads
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d, bias=False)
        self.value = nn.Linear(d, d)
        self.out = nn.Linear(d, d)

    def split(self, x):
        return x.reshape(x.shape[0], x.shape[1], self.heads, self.head_dim).transpose(1, 2)

    def attend(self, q, k, v, mask=None):
        scores = torch.matmul(q, k.transpose(-1, -2)) * (self.head_dim ** -0.5)
        if mask is not None:
            scores = scores.masked_fill(mask, torch.finfo(scores.dtype).min)
        w = torch.softmax(scores.float(), dim=-1).type(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2)
        return self.out(o.reshape(o.shape[0], o.shape[1], -1))

    def kv(self, x):
        return self.split(self.key(x)), self.split(self.value(x))


class EncoderBlock(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.attn_ln, self.attn = LayerNorm(d), MultiHeadAttention(d, heads)
        self.mlp_ln = LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, ffn), nn.GELU(), nn.Linear(ffn, d))

    def forward(self, x):
        h = self.attn_ln(x)
        k, v = self.attn.kv(h)
        x = x + self.attn.attend(self.attn.split(self.attn.query(h)), k, v)
        return x + self.mlp(self.mlp_ln(x))


class WhisperEncoder(nn.Module):
    def __init__(self, dims: WhisperDims):
        super().__init__()
        d = dims.d_model
        self.conv1 = nn.Conv1d(dims.n_mels, d, 3, padding=1)
        self.conv2 = nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.register_buffer("positional_embedding", sinusoids(dims.n_audio_ctx, d))
        self.blocks = nn.ModuleList(EncoderBlock(d, dims.encoder_heads, dims.ffn_dim) for _ in range(dims.encoder_layers))
        self.ln_post = LayerNorm(d)

    def forward(self, x):  # [B, n_mels, frames]
        x = F.gelu(self.conv1(x))
        x = F.gelu(self.conv2(x)).permute(0, 2, 1)
        x = x + self.positional_embedding[: x.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.ln_post(x)


class ConvBiGRUEncoder(nn.Module):
    """Conv stack to 12.5 Hz, residual dilated conv blocks and/or a BiGRU (dims.conv_blocks,
    dims.gru_layers), projection; each state repeated x4 to Whisper's 50 Hz rate.

    The repeat adds no information: attention over four identical copies of every key equals
    attention over the 12.5 Hz states, so training uses those directly (4x cheaper)."""

    def __init__(self, dims: WhisperDims):
        super().__init__()
        d, h = dims.d_model, dims.gru_hidden
        self.convs = nn.ModuleList([
            nn.Conv1d(dims.n_mels, d, 3, stride=2, padding=1),
            nn.Conv1d(d, d, 3, stride=2, padding=1),
            nn.Conv1d(d, d, 3, stride=2, padding=1),
        ])
        # A LayerNorm after every conv: without them the default init shrinks the signal ~10x
        # per layer and the GRU sees almost nothing (measured: CTC stuck on all-blank).
        self.conv_lns = nn.ModuleList(ChannelLayerNorm(d) for _ in self.convs)
        dil = [1, 2, 4, 1, 2, 4, 1, 2][: dims.conv_blocks]
        self.blocks = nn.ModuleList(nn.Conv1d(d, d, 5, padding=2 * k, dilation=k) for k in dil)
        self.block_lns = nn.ModuleList(ChannelLayerNorm(d) for _ in dil)
        self.gru = nn.GRU(d, h, num_layers=dims.gru_layers, batch_first=True, bidirectional=True) if dims.gru_layers else None
        self.proj = nn.Linear(2 * h if self.gru is not None else d, d)
        self.ln_post = LayerNorm(d)
        self.upsample = 4  # 100 Hz mel / 8 = 12.5 Hz; Whisper's encoder output rate is 50 Hz

    def forward_low_rate(self, x):
        # Channel LayerNorm in the conv layout: with transposes around the convs, torch 1.13's
        # CPU conv backward got non-contiguous gradients and returned values ~1e4..inf
        # (measured), which froze the encoder.
        for conv, ln in zip(self.convs, self.conv_lns):
            x = F.gelu(ln(conv(x)))
        for conv, ln in zip(self.blocks, self.block_lns):
            x = x + F.gelu(ln(conv(x)))
        x = x.transpose(1, 2)
        if self.gru is not None:
            x, _ = self.gru(x)  # [B, frames/8, 2 * gru_hidden]
        return self.ln_post(self.proj(x))  # [B, frames/8, d]

    def forward(self, x):
        low = self.forward_low_rate(x)
        y = low.unsqueeze(2).expand(low.shape[0], low.shape[1], self.upsample, low.shape[2])
        return y.reshape(low.shape[0], low.shape[1] * self.upsample, low.shape[2])


class CTCBridgeEncoder(ConvBiGRUEncoder):
    """ConvBiGRUEncoder whose CTC head is decoded inside the graph: greedy CTC path, repeats and
    blanks collapsed, and the i-th recognised token written to output position i as a fixed
    code vector (+ sinusoidal position); later positions hold an end code. The Whisper decoder
    behind it then only has to read position i at step i."""

    def __init__(self, dims: WhisperDims):
        super().__init__(dims)
        d = dims.d_model
        n_classes = len(set(dims.kept_token_ids)) + 1  # blank 0, kept row i -> class i + 1
        self.ctc_head = nn.Linear(d, n_classes)
        g = torch.Generator().manual_seed(0)
        # codes[0] = end of transcript, codes[c] = class c
        self.register_buffer("codes", torch.randn(n_classes, d, generator=g))
        self.register_buffer("positional_embedding", sinusoids(dims.n_audio_ctx, d))

    def classes(self, x):
        return self.ctc_head(self.forward_low_rate(x)).argmax(-1)  # [B, T8]

    def encode_classes(self, cls, out_len: int):
        """cls [B, T] CTC classes -> [B, out_len, d]."""
        B, T = cls.shape
        prev = torch.cat([torch.zeros_like(cls[:, :1]), cls[:, :-1]], dim=1)
        keep = (cls != 0) & (cls != prev)
        slot = torch.cumsum(keep.long(), dim=1) - 1
        slot = torch.where(keep, slot, torch.full_like(slot, out_len))
        count = keep.long().sum(1, keepdim=True)
        d = self.codes.shape[1]
        vals = F.embedding(cls, self.codes)
        out = torch.zeros(B, out_len + 1, d, dtype=vals.dtype)
        out = out.scatter(1, slot.unsqueeze(-1).expand(B, T, d), vals)[:, :out_len]
        pos = torch.arange(out_len).unsqueeze(0)
        out = torch.where((pos >= count).unsqueeze(-1), self.codes[0].expand(B, out_len, d), out)
        return out + self.positional_embedding[:out_len]

    def forward(self, x):
        return self.encode_classes(self.classes(x), x.shape[2] // 2)


class DecoderBlock(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.attn_ln, self.attn = LayerNorm(d), MultiHeadAttention(d, heads)
        self.cross_attn_ln, self.cross_attn = LayerNorm(d), MultiHeadAttention(d, heads)
        self.mlp_ln = LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, ffn), nn.GELU(), nn.Linear(ffn, d))

    def forward(self, x, self_kv, cross_kv, mask):
        h = self.attn_ln(x)
        k, v = self.attn.kv(h)
        if self_kv is not None:
            k, v = torch.cat([self_kv[0], k], dim=2), torch.cat([self_kv[1], v], dim=2)
        x = x + self.attn.attend(self.attn.split(self.attn.query(h)), k, v, mask)
        h = self.cross_attn_ln(x)
        x = x + self.cross_attn.attend(self.cross_attn.split(self.cross_attn.query(h)), *cross_kv)
        return x + self.mlp(self.mlp_ln(x)), (k, v)


class TokenEmbedding(nn.Module):
    def __init__(self, dims: WhisperDims):
        super().__init__()
        self.kind, d, V = dims.embedding, dims.d_model, dims.n_vocab
        self.n_vocab = V
        if self.kind == "full":
            self.weight = nn.Parameter(torch.randn(V, d) * 0.02)
        elif self.kind == "hashed":
            m = dims.hash_buckets
            self.low = nn.Parameter(torch.randn(m, d) * 0.02)
            self.high = nn.Parameter(torch.randn((V + m - 1) // m, d) * 0.02)
        elif self.kind == "kept":
            ids = sorted(set(dims.kept_token_ids))
            K = len(ids)
            self.weight = nn.Parameter(torch.randn(K + 1, d) * 0.02)  # row K: every other token
            table = torch.full((V,), K, dtype=torch.int64)
            table[torch.tensor(ids)] = torch.arange(K)
            self.register_buffer("token_map", table.to(torch.uint8 if K < 256 else torch.int32))
            bias = torch.zeros(K + 1)
            bias[K] = -1e4
            self.register_buffer("logit_bias", bias)
        else:
            raise ValueError(self.kind)

    def full_table(self):
        if self.kind == "hashed":
            t = (self.high[:, None, :] + self.low[None, :, :]).reshape(-1, self.low.shape[1])
            return t[: self.n_vocab]
        return self.weight

    def rows(self, ids):
        if self.kind == "kept":
            ids = self.token_map[ids].long()
        return F.embedding(ids, self.full_table())

    def logits(self, x):
        out = torch.matmul(x, self.full_table().t())
        if self.kind == "kept":
            out = torch.index_select(out + self.logit_bias, -1, self.token_map.long())
        return out

    def compact_logits(self, x):
        """Training: logits over kept rows only (row K excluded)."""
        assert self.kind == "kept"
        return torch.matmul(x, self.weight[:-1].t())


class WhisperDecoder(nn.Module):
    def __init__(self, dims: WhisperDims):
        super().__init__()
        d = dims.d_model
        self.token_embedding = TokenEmbedding(dims)
        self.positional_embedding = nn.Parameter(torch.randn(dims.n_text_ctx, d) * 0.01)
        self.blocks = nn.ModuleList(DecoderBlock(d, dims.decoder_heads, dims.ffn_dim) for _ in range(dims.decoder_layers))
        self.ln = LayerNorm(d)

    def cross_kv(self, enc):
        return [(b.cross_attn.kv(enc)) for b in self.blocks]

    def hidden(self, ids, cross, self_past: Optional[list] = None):
        T = ids.shape[1]
        past_len = self_past[0][0].shape[2] if self_past is not None else 0
        q_pos = torch.arange(T, device=ids.device) + past_len
        k_pos = torch.arange(T + past_len, device=ids.device)
        mask = k_pos[None, :] > q_pos[:, None]
        x = self.token_embedding.rows(ids) + F.embedding(q_pos, self.positional_embedding)
        presents = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, None if self_past is None else self_past[i], cross[i], mask)
            presents.append(kv)
        return self.ln(x), presents

    def forward(self, ids, enc=None, self_past=None, cross=None):
        """Returns logits, self-attention presents, cross key/values (computed when not given)."""
        if cross is None:
            cross = self.cross_kv(enc)
        h, presents = self.hidden(ids, cross, self_past)
        return self.token_embedding.logits(h), presents, cross


class Whisper(nn.Module):
    def __init__(self, dims: WhisperDims):
        super().__init__()
        self.dims = dims
        kinds = {"conv_bigru": ConvBiGRUEncoder, "conv_bigru_ctc": CTCBridgeEncoder, "whisper": WhisperEncoder}
        self.encoder = kinds[dims.encoder_kind](dims)
        self.decoder = WhisperDecoder(dims)
