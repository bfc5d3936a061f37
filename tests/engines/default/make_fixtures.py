"""Regenerate the small speech fixtures in data/ with espeak-ng (dev machines only; CI uses the
committed files). Each clip gets a .json with espeak's own phone timing, for closure checks.

`real_cathy`: two CMU ARCTIC prompts read by a real speaker (cathy, CC0; taken from the committed
bench/speech_sets/real_read set, see its SOURCES.md) joined by 0.8 s of faint noise, with that set's
reference phone timing (a careful forced alignment) and mouth classes.

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
    "german": ("Papa bringt Mama einen großen Apfel. Am Abend baden wir im warmen Meer.", "de", 150),
}
REAL = ("cathy_a0022", "cathy_a0034")
REAL_GAP = 0.8


def make_real():
    import speech_data

    clips = {c.id: c for c in speech_data.clips("real_read")}
    parts, phones, t = [], [], 0.0
    rng = np.random.default_rng(0)
    for i, cid in enumerate(REAL):
        c = clips[cid]
        if i:
            parts.append((2e-4 * rng.standard_normal(int(REAL_GAP * 16000))).astype(np.float32))
            phones.append(["sil", round(t, 4), round(t + REAL_GAP, 4), "sil"])
            t += REAL_GAP
        x = c.samples()
        parts.append(x)
        phones += [[p, round(s + t, 4), round(e + t, 4), k] for p, s, e, k in c.phones]
        t += len(x) / 16000
    x = np.concatenate(parts)
    sf.write(DATA / "real_cathy.flac", x, 16000, subtype="PCM_16")
    first = len(parts[0]) / 16000
    meta = {"text": " ".join(clips[c].transcript for c in REAL),
            "source": "bench/speech_sets/real_read " + " + ".join(REAL),
            "pause": [round(first, 4), round(first + REAL_GAP, 4)], "phones": phones}
    (DATA / "real_cathy.json").write_text(json.dumps(meta))
    print("real_cathy", len(x) / 16000, "s")


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
    make_real()
