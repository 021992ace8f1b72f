#!/usr/bin/env python3
"""Write samples/demo-status-check.wav: one clip made with the demo model's data recipe."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from demo_model.common import ROOT  # noqa: E402
from demo_model.synth import render  # noqa: E402
from golden_inputs import write_wav  # noqa: E402

SPEC = {"parts": [{"text": "gpu status check", "voice": "en-us+m3", "speed": 165, "pitch": 50,
                   "lead": 0.3, "trail": 0.4}],
        "gain_db": -4.0, "noise_db": -62.0, "seed": 2026}

if __name__ == "__main__":
    audio, text = render(SPEC)
    path = os.path.join(ROOT, "samples", "demo-status-check.wav")
    write_wav(path, audio)
    print(path, f"{len(audio) / 16000:.2f} s", repr(text))
