"""Speech with exact segment timing from festival (dev/bench only; the product never needs festival).

Runs `festival -b` on a small Scheme script that synthesises the text with the named voice, saves the
wave and prints each segment's name, end time and phone-set features (vowel/consonant, vowel height,
place and type of articulation), which phone_classes.festival turns into mouth classes.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

SCRIPT = """(voice_{voice})
(set! u (SynthText "{text}"))
(utt.save.wave u "{wav}" 'riff)
(mapcar (lambda (s) (format t "SEG %s %f %s %s %s %s\\n" (item.name s) (item.feat s "end")
  (item.feat s "ph_vc") (item.feat s "ph_vheight") (item.feat s "ph_cplace") (item.feat s "ph_ctype")))
  (utt.relation.items u 'Segment))
"""
# voices whose phone set lacks height/place features (czech): name, end and vowel flag only
SCRIPT_PLAIN = SCRIPT.replace('(item.feat s "ph_vheight") (item.feat s "ph_cplace") (item.feat s "ph_ctype")',
                              '"?" "?" "?"')


def synth(text: str, voice: str, encoding: str = "utf-8"):
    """-> (samples float32 16 kHz, [(segment, start_s, end_s, features tuple)])."""
    import soundfile as sf
    import soxr

    with tempfile.TemporaryDirectory() as tmp:
        wav, scm = Path(tmp) / "o.wav", Path(tmp) / "s.scm"
        safe = text.replace('"', "").replace("\\", "")
        for script in (SCRIPT, SCRIPT_PLAIN):
            scm.write_text(script.format(voice=voice, text=safe, wav=wav), encoding=encoding)
            out = subprocess.run(["festival", "-b", str(scm)], capture_output=True, timeout=120)
            if b"SEG " in out.stdout:
                break
        x, sr = sf.read(str(wav), dtype="float32")
    x = x.mean(axis=1) if x.ndim > 1 else x
    x = soxr.resample(x, sr, 16000).astype(np.float32) if sr != 16000 else x
    segs, t = [], 0.0
    for line in out.stdout.decode(encoding, "replace").splitlines():
        if line.startswith("SEG "):
            _, name, end, vc, vh, cp, ct = line.split()[:7]
            segs.append((name, t, float(end), (vc, vh, cp, ct)))
            t = float(end)
    if not segs:
        raise RuntimeError(f"festival gave no segments for voice {voice}")
    return x, segs
