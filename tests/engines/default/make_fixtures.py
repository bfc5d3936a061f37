"""Regenerate the small speech fixtures in data/ with espeak-ng (dev machines only; CI uses the
committed files). Each clip gets a .json with espeak's own phone timing, for closure checks.

    python tests/engines/default/make_fixtures.py
"""

import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT / "bench"))
import espeak_timing  # noqa: E402

CLIPS = {
    "papa_mama_baba": ("papa mama baba. papa mama baba.", "en-us", 150),
    "sentence": ("Bob bought a warm pie, and my mom ate apples by the pool.", "en-us+f2", 160),
}

if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    for name, (text, voice, rate) in CLIPS.items():
        x, phones, _ = espeak_timing.synth(text, voice, rate)
        lead = np.zeros(int(0.3 * 16000), np.float32)
        x = np.r_[lead, x, np.zeros(int(0.4 * 16000), np.float32)]
        sf.write(DATA / f"{name}.wav", x, 16000, subtype="PCM_16")
        meta = {"text": text, "voice": voice, "rate": rate,
                "phones": [[p, round(s + 0.3, 4), round(e + 0.3, 4)] for p, s, e in phones]}
        (DATA / f"{name}.json").write_text(json.dumps(meta))
        print(name, len(x) / 16000, "s")
