"""Read the lip-sync development sets in bench/speech_sets/ (manifest.json + FLAC per set)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent / "speech_sets"
SETS = ("real_read", "real_spont", "real_noisy", "other_langs", "en_synth")


@dataclass
class Clip:
    id: str
    set: str
    path: Path
    split: str
    lang: str
    speaker: str
    transcript: str
    phones: list            # [(label, start_s, end_s, class)]
    duration_s: float
    meta: dict = field(default_factory=dict)

    def samples(self) -> np.ndarray:
        import soundfile as sf

        x, sr = sf.read(str(self.path), dtype="float32")
        if sr != 16000:
            raise ValueError(f"{self.path.name}: expected 16 kHz, got {sr}")
        return x


def manifest(name: str, root: Path = ROOT) -> dict:
    return json.loads((root / name / "manifest.json").read_text(encoding="utf-8"))


def clips(name: str, split: str | None = None, root: Path = ROOT) -> list[Clip]:
    """The set's clips, optionally one split ("tune" or "heldout")."""
    out = []
    for c in manifest(name, root)["clips"]:
        if split and c["split"] != split:
            continue
        out.append(Clip(id=c["id"], set=name, path=root / name / c["audio"], split=c["split"], lang=c["lang"],
                        speaker=c["speaker"], transcript=c["transcript"],
                        phones=[tuple(p) for p in c["phones"]], duration_s=c["duration_s"], meta=c))
    return out


def available(root: Path = ROOT) -> list[str]:
    return [s for s in SETS if (root / s / "manifest.json").exists()]
