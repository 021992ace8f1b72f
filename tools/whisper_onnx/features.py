"""Whisper's log-mel recipe (openai/whisper audio.py), in torch, float32 or float64."""
import os

import numpy as np
import torch

from .tokenizer import ASSETS

SAMPLE_RATE, N_FFT, HOP_LENGTH = 16000, 400, 160


def mel_filters(n_mels=80):
    with np.load(os.path.join(ASSETS, "mel_filters.npz")) as f:
        return f[f"mel_{n_mels}"]


def pad_or_trim(audio: np.ndarray, n_samples: int) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32)
    if len(audio) >= n_samples:
        return audio[:n_samples]
    return np.pad(audio, (0, n_samples - len(audio)))


def log_mel(audio, n_mels=80, n_samples=None, dtype=torch.float64):
    """audio: 1-D float array at 16 kHz -> [n_mels, n_samples // 160].

    Pads/trims the waveform to n_samples first (as the loaders do), periodic Hann, centred
    reflect padding, power spectrum, last frame dropped, log10 floor 1e-10, max-8 clamp, (x+4)/4.
    """
    if n_samples is not None:
        audio = pad_or_trim(audio, n_samples)
    x = torch.as_tensor(np.asarray(audio), dtype=dtype)
    window = torch.hann_window(N_FFT, periodic=True, dtype=dtype)
    stft = torch.stft(x, N_FFT, HOP_LENGTH, window=window, center=True, pad_mode="reflect", return_complex=True)
    power = stft[..., :-1].abs() ** 2
    mel = torch.as_tensor(mel_filters(n_mels), dtype=dtype) @ power
    log_spec = torch.clamp(mel, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).to(torch.float32)
