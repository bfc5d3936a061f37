"""Real recordings with phone timing from a careful forced alignment (pocketsphinx at its default,
wide beams, with the known transcript), for a check of the no-transcript path on real voices.

Only clips whose words are known are used: CMU ARCTIC a0007 ships with pysptk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ARPA_TO_ESPEAK = {"P": "p", "B": "b", "M": "m", "AA": "A:", "AE": "a", "AH": "V", "AO": "O:", "AW": "aU",
                  "AY": "aI", "IY": "i:", "IH": "I", "UW": "u:", "UH": "U", "EH": "E", "EY": "eI", "OW": "oU",
                  "OY": "OI", "ER": "3:", "F": "f", "V": "v", "SIL": "_"}


def clips():
    import pysptk

    wav = Path(pysptk.__file__).parent / "example_audio_data" / "arctic_a0007.wav"
    if wav.exists():
        yield "arctic_a0007", wav, "and you always want to see it in the superlative degree"


def aligned(wav: Path, text: str):
    """(samples 16 kHz, [(espeak-like phone, start, end)]) from a default-beam forced alignment."""
    import pocketsphinx as ps
    import soundfile as sf
    import soxr

    x, sr = sf.read(str(wav), dtype="float32")
    x = x.mean(axis=1) if x.ndim > 1 else x
    x = soxr.resample(x, sr, 16000).astype(np.float32)
    pcm = (np.clip(x / (np.abs(x).max() + 1e-9) * 0.5, -1, 1) * 32767).astype(np.int16).tobytes()
    d = ps.Decoder(lm=None, loglevel="FATAL")
    d.set_align_text(text)
    for second in (False, True):
        if second:
            d.set_alignment()
        d.start_utt()
        d.process_raw(pcm, full_utt=True)
        d.end_utt()
    phones = [(ARPA_TO_ESPEAK.get(p.name, p.name.lower()), p.start * 0.01, (p.start + p.duration) * 0.01)
              for p in d.get_alignment().phones()]
    return x, phones
