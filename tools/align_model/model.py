"""The demo alignment model: raw 16 kHz audio -> character CTC logits at 50 Hz, in one graph.

input_values [batch, samples] -> logits [batch, frames, 32], frames = floor((samples - 400) / 320) + 1
(wav2vec2's conv stack has the same 400-sample receptive field and 320-sample stride).

Front end (fixed, no parameters): per-utterance zero-mean unit-variance normalisation (so
it does not matter whether the caller already normalised: the step is idempotent), a
400-point DFT every 320 samples as a Conv1d with Hann-windowed cos/sin kernels, power,
64 HTK mel bands, log. Then two convolutions and a one-layer BiGRU.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio.functional as AF

from .common import HOP, SAMPLE_RATE, VOCAB, WINDOW

N_FREQS = WINDOW // 2 + 1
N_MELS = 64
LOG_FLOOR = 1e-4


class LogMel(nn.Module):
    """[B, S] waveform -> [B, N_MELS, frames] log-mel power, frames = (S - 400) // 320 + 1."""

    def __init__(self):
        super().__init__()
        n = torch.arange(WINDOW, dtype=torch.float64)
        k = torch.arange(N_FREQS, dtype=torch.float64)
        window = 0.5 - 0.5 * torch.cos(2 * math.pi * n / WINDOW)  # periodic Hann
        angle = 2 * math.pi * k[:, None] * n[None, :] / WINDOW
        kernel = torch.cat([torch.cos(angle) * window, -torch.sin(angle) * window])  # [2F, W]
        self.register_buffer("dft", kernel.float().unsqueeze(1))
        mel = AF.melscale_fbanks(N_FREQS, 20.0, SAMPLE_RATE / 2, N_MELS, SAMPLE_RATE, norm=None, mel_scale="htk")
        self.register_buffer("mel", mel.T.contiguous().float())  # [M, F]

    def forward(self, input_values):
        x = input_values - input_values.mean(dim=1, keepdim=True)
        x = x / torch.sqrt((x * x).mean(dim=1, keepdim=True) + 1e-7)
        spec = F.conv1d(x.unsqueeze(1), self.dft, stride=HOP)  # [B, 2F, T]
        re, im = spec[:, :N_FREQS], spec[:, N_FREQS:]
        power = re * re + im * im
        return torch.log(torch.matmul(self.mel, power) + LOG_FLOOR)


class AlignNet(nn.Module):
    """log-mel -> logits. Kept apart from the front end so training can run on cached features."""

    def __init__(self, channels=128, hidden=128, n_vocab=len(VOCAB)):
        super().__init__()
        # per-band affine from the training data's statistics (set by train.py), then learned layers
        self.register_buffer("feat_mean", torch.zeros(N_MELS, 1))
        self.register_buffer("feat_std", torch.ones(N_MELS, 1))
        self.conv1 = nn.Conv1d(N_MELS, channels, 5, padding=2)
        self.conv2 = nn.Conv1d(channels, channels, 5, padding=2)
        self.norm = nn.LayerNorm(channels)
        self.gru = nn.GRU(channels, hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, n_vocab)

    def forward(self, logmel):
        x = (logmel - self.feat_mean) / self.feat_std
        # ReLU, not GELU: Debian's torch 1.13 float32 GELU backward after these convs returns
        # wrong gradients (checked against float64); ReLU's matches
        x = F.relu(self.conv1(x))
        x = x + F.relu(self.conv2(x))
        x = self.norm(x.transpose(1, 2))  # [B, T, C]
        x, _ = self.gru(x)
        return self.head(x)


class AlignModel(nn.Module):
    """What is exported: input_values [B, S] -> logits [B, T, V]."""

    def __init__(self, **kw):
        super().__init__()
        self.frontend = LogMel()
        self.net = AlignNet(**kw)

    def forward(self, input_values):
        return self.net(self.frontend(input_values))
