"""Mouth-cue exports: Oculus/Meta visemes (JSON, sparse keys) and Rhubarb Lip Sync cues (TSV / JSON),
and the Rhubarb cue importer.

visemes-json:
    {"format": "makeittalk-visemes", "version": 1, "set": "oculus", "fps", "duration_s",
     "visemes": [the 15 names], "cues": [{start, end, viseme, phone, conf}],
     "keys": {viseme: [[t_s, weight], ...]}}
  keys are sparse (only where the curve bends; linear in between), weights in [0, 1] summing to 1
  per frame (a one-frame crossfade between neighbours); only the visemes that occur are keyed.
rhubarb-tsv: Rhubarb's tab-separated format, one "start<TAB>shape" line per cue, start in seconds
  with two decimals; the last line is the end time with X.
rhubarb-json: Rhubarb's JSON: {"metadata": {"soundFile", "duration"}, "mouthCues": [{start, end, value}]}.
Cues come from the track's phones (core/phoneset maps each phone to a viseme and a Rhubarb shape),
or, when it has none, from its channels (timeline.from_channels).
"""

from __future__ import annotations

import json

import numpy as np

from ..phoneset import CUES, VISEMES, cue_of, viseme_of
from . import timeline
from .build import ExportError, soften, track_from_channels

# Rhubarb shape -> the phone standing for it on import (phoneset maps it back to the same shape) and
# the channel values that draw it.
CUE_PHONE = {"A": "M", "B": "T", "C": "EH", "D": "AA", "E": "AO", "F": "UW", "G": "F", "H": "L", "X": "SIL"}
CUE_CHANNELS = {
    "A": {}, "X": {},
    "B": {"jaw_open": 0.12, "mouth_corner_L": 0.2, "mouth_corner_R": 0.2},
    "C": {"jaw_open": 0.45, "mouth_corner_L": 0.2, "mouth_corner_R": 0.2},
    "D": {"jaw_open": 0.85},
    "E": {"jaw_open": 0.35, "pucker": 0.5},
    "F": {"jaw_open": 0.12, "pucker": 0.9},
    "G": {"jaw_open": 0.12, "lower_lip_raise": 0.8, "upper_lip_raise": 0.3},
    "H": {"jaw_open": 0.4},
}


def viseme_cues(track) -> list[dict]:
    return [{"start": round(a, 4), "end": round(b, 4), "viseme": viseme_of(ph), "phone": ph, "conf": round(c, 3)}
            for a, b, ph, c in timeline.segments(track)]


def visemes_json(track) -> bytes:
    from .retarget import weights

    times = timeline.frame_times(track)
    w = weights(track, "VISEMES")
    keys = {v: timeline.sparse_keys(w[:, j], times) for j, v in enumerate(VISEMES) if w[:, j].any()}
    doc = {"format": "makeittalk-visemes", "version": 1, "set": "oculus", "fps": float(track.fps),
           "duration_s": round(float(track.duration_s), 4), "visemes": list(VISEMES),
           "cues": viseme_cues(track), "keys": keys}
    return json.dumps(doc, separators=(",", ":")).encode()


def rhubarb_cues(track) -> list[dict]:
    from .retarget import cue_segments

    return [{"start": round(a, 2), "end": round(b, 2), "value": v} for a, b, v in cue_segments(track, "CUES")]


def rhubarb_tsv(track) -> bytes:
    cues = rhubarb_cues(track)
    lines = [f"{c['start']:.2f}\t{c['value']}" for c in cues]
    lines.append(f"{float(track.duration_s):.2f}\tX")
    return ("\n".join(lines) + "\n").encode()


def rhubarb_json(track, sound_file: str = "") -> bytes:
    doc = {"metadata": {"soundFile": sound_file or str(track.params.get("audio", "")),
                        "duration": round(float(track.duration_s), 2)},
           "mouthCues": rhubarb_cues(track)}
    return json.dumps(doc, indent=2).encode()


# ---- import -----------------------------------------------------------------------------------
def parse_rhubarb(data: bytes) -> tuple[list[dict], float]:
    """Rhubarb TSV or JSON -> ([{start, end, value}], duration_s)."""
    text = data.decode("utf-8-sig", errors="replace").strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
            cues = [{"start": float(c["start"]), "end": float(c["end"]), "value": str(c["value"]).upper()}
                    for c in doc["mouthCues"]]
            duration = float((doc.get("metadata") or {}).get("duration") or (cues[-1]["end"] if cues else 0))
        except (ValueError, KeyError, TypeError, IndexError):
            raise ExportError("this is not a Rhubarb cue file (JSON without 'mouthCues' of start, end, value)") from None
    else:
        rows = []
        for k, line in enumerate(text.splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            try:
                rows.append((float(parts[0]), parts[1].upper()))
            except (ValueError, IndexError):
                raise ExportError(f"line {k} of the cue file is not 'seconds<TAB>shape'") from None
        if len(rows) < 1:
            raise ExportError("the cue file has no cues")
        ends = [r[0] for r in rows[1:]] + [rows[-1][0]]
        cues = [{"start": s, "end": e, "value": v} for (s, v), e in zip(rows, ends) if e > s or len(rows) == 1]
        duration = rows[-1][0]
    bad = sorted({c["value"] for c in cues} - set(CUES))
    if bad:
        raise ExportError(f"unknown mouth shape(s) {', '.join(bad[:5])}: Rhubarb uses A to H and X")
    if not cues or duration <= 0:
        raise ExportError("the cue file has no cues")
    return cues, duration


def import_rhubarb(data: bytes, fps: float = 30.0, **rest_kw):
    cues, duration = parse_rhubarb(data)
    n = max(1, int(np.ceil(duration * fps - 1e-9)))
    times = np.arange(n) / fps
    starts = np.array([c["start"] for c in cues])
    idx = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(cues) - 1)
    shapes = sorted(CUE_CHANNELS)
    one_hot = np.zeros((n, len(shapes)))
    one_hot[np.arange(n), [shapes.index(cues[i]["value"]) for i in idx]] = 1.0
    w = soften(one_hot)
    names = sorted({k for v in CUE_CHANNELS.values() for k in v})
    values = {name: w @ np.array([CUE_CHANNELS[s].get(name, 0.0) for s in shapes]) for name in names}
    phones = [{"start": c["start"], "end": c["end"], "phone": CUE_PHONE[c["value"]], "conf": 0.5} for c in cues]
    return track_from_channels(values, fps, duration, phones=phones, engine="rhubarb-import",
                               params={"imported": "rhubarb"}, **rest_kw)
