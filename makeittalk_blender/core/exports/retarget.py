"""Apply to character, the pure half: which of a character's shape keys (or actions) stands for which
shape of a target set, and the per-frame weights of each shape for a track.

Target sets:
* "ARKIT": the 52 ARKit blendshapes (arkit.NAMES), from the track's channels.
* "VISEMES": the 15 Oculus visemes, from the phone timeline (one-frame crossfade).
* "CUES": Rhubarb's mouth shapes A-H and X, from the same timeline.
* "PHONES": one shape per ARPAbet phone (AA, AE, ..., ZH, and SIL), from the same timeline.
Name matching is case, separator and prefix tolerant: "jawOpen", "JawOpen", "jaw_open",
"ARKit.jawOpen", "CC_Base_jawOpen" and "blendShape1.jawOpen" all match jawOpen; "_L"/".L"/"Left"
are the same side. Visemes also match "viseme_aa", "V_aa"; cues "mouth_A", "A", and the Preston Blair
names (MBP, etc, E, AI, O, U, FV, L, rest).
"""

from __future__ import annotations

import re

import numpy as np

from ..phoneset import CUES, PHONES, VISEMES, cue_of, normalise_phone, viseme_of
from . import arkit, timeline
from .build import soften

SETS = {"ARKIT": arkit.NAMES, "VISEMES": VISEMES, "CUES": CUES, "PHONES": PHONES}
_LABEL = {"VISEMES": viseme_of, "CUES": cue_of, "PHONES": normalise_phone}
_ALIASES = {
    "VISEMES": {"sil": ("rest", "neutral", "x"), "ih": ("i", "ii"), "oh": ("o",), "ou": ("u",)},
    "PHONES": {"SIL": ("rest", "neutral", "sil")},
    "CUES": {"A": ("mbp", "closed", "m"), "B": ("etc", "teeth"), "C": ("e", "eh"), "D": ("ai", "aa"),
             "E": ("o",), "F": ("u", "wq", "oo"), "G": ("fv", "f"), "H": ("l",), "X": ("rest", "idle", "neutral")},
}
_PREFIX = ("viseme", "vis", "v", "mouth", "shape", "cue", "phoneme")


def canonical(name: str) -> str:
    """'Eye_Blink.L' -> 'eyeblinkleft'; 'viseme_PP' -> 'visemepp'."""
    s = re.sub(r"([._ -])([LR])$", lambda m: "left" if m.group(2) == "L" else "right", str(name).strip())
    s = re.sub(r"([._ -])([lr])$", lambda m: "left" if m.group(2) == "l" else "right", s)
    return re.sub(r"[^0-9a-z]", "", s.lower())


def _wanted(kind: str, target: str) -> list[str]:
    names = [canonical(target)] + [canonical(a) for a in _ALIASES.get(kind, {}).get(target, ())]
    return names


def match(kind: str, available) -> dict:
    """{target: the available name that stands for it} (targets with no match are left out).
    An exact (canonical) match wins over a prefixed one; each available name serves one target."""
    avail = {canonical(a): a for a in available}
    out, used = {}, set()
    for exact in (True, False):
        for target in SETS[kind]:
            if target in out:
                continue
            for want in _wanted(kind, target):
                hit = avail.get(want) if exact else _suffix_hit(kind, want, avail, used)
                if hit is not None and hit not in used:
                    out[target] = hit
                    used.add(hit)
                    break
    return {t: out[t] for t in SETS[kind] if t in out}


def _suffix_hit(kind: str, want: str, avail: dict, used: set):
    """A prefixed name: 'arkitjawopen' for 'jawopen', 'visemepp' for 'pp' (short names only after a
    known prefix, so 'a' never matches 'jawopen's last letter)."""
    for canon, name in avail.items():
        if name in used or not canon.endswith(want) or canon == want:
            continue
        head = canon[: -len(want)]
        if len(want) >= 5 or head.rstrip("0123456789").endswith(_PREFIX):
            return name
    return None


def weights(track, kind: str) -> np.ndarray:
    """n_frames x len(SETS[kind]) weights in [0, 1]."""
    if kind == "ARKIT":
        return arkit.weights(track.channels)
    segs = timeline.segments(track)
    idx = timeline.at_frames(segs, timeline.frame_times(track))
    label, names = _LABEL[kind], SETS[kind]
    one_hot = np.zeros((track.n_frames, len(names)))
    cols = [names.index(label(segs[i][2])) if label(segs[i][2]) in names else -1 for i in idx]
    rows = [k for k, c in enumerate(cols) if c >= 0]             # a phone outside the set: no shape
    one_hot[rows, [cols[k] for k in rows]] = 1.0
    return np.clip(soften(one_hot), 0.0, 1.0)


def cue_segments(track, kind: str) -> list[tuple[float, float, str]]:
    """(start_s, end_s, shape) with neighbours of the same shape merged: for action/pose targets."""
    label = _LABEL[kind]
    out = []
    for a, b, ph, _ in timeline.segments(track):
        s = label(ph)
        if out and out[-1][2] == s:
            out[-1] = (out[-1][0], b, s)
        else:
            out.append((a, b, s))
    return out


def guess_kind(available) -> str:
    """The set that matches most of the names (then the larger share of its set; ARKit first)."""
    available = list(available)
    order = list(SETS)
    scores = {k: (len(match(k, available)), len(match(k, available)) / len(SETS[k]), -order.index(k)) for k in SETS}
    return max(scores, key=scores.get)
