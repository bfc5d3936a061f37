"""Phone -> viseme targets: what the mouth aims for during each ARPAbet phone (CMU dictionary set).

Each phone has a target for the mouth parameters below and a dominance: how strongly it imposes that
target on its neighbours (coarticulation.py blends overlapping dominances). Diphthongs are split into
two halves so the mouth glides from the first shape to the second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Mouth parameters, in this order, everywhere in the engine:
#   open    inner-lip gap, 0 closed .. 1 widest (aa)
#   jaw     jaw drop, 0 .. 1
#   spread  -1 rounded/puckered (oo, w) .. +1 spread (ee)
#   tuck    0 .. 1 lower lip tucked under the upper teeth (f, v)
PARAMS = ("open", "jaw", "spread", "tuck")
N_PARAMS = len(PARAMS)

BILABIALS = frozenset({"P", "B", "M"})
VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
SILENCE = "SIL"


@dataclass(frozen=True)
class Viseme:
    target: tuple[float, float, float, float]    # open, jaw, spread, tuck
    dom_open: float                              # dominance on open/jaw
    dom_shape: float                             # dominance on spread/tuck


def _v(o, j, s, t=0.0, do=1.0, ds=1.0) -> Viseme:
    return Viseme((o, j, s, t), do, ds)


# Targets are relative to the widest vowel; dominances make consonants that need a specific lip shape
# (f, v, w, sh) win over their neighbours, and those that don't (t, k, h) borrow the vowel's shape.
TABLE: dict[str, Viseme] = {
    "AA": _v(1.00, 1.00, 0.0), "AE": _v(0.85, 0.85, 0.35), "AH": _v(0.75, 0.70, 0.05),
    "AO": _v(0.85, 0.90, -0.45), "EH": _v(0.62, 0.60, 0.40), "ER": _v(0.38, 0.40, -0.35),
    "IH": _v(0.42, 0.40, 0.50), "IY": _v(0.30, 0.28, 0.85), "UH": _v(0.38, 0.40, -0.60),
    "UW": _v(0.25, 0.30, -1.0, do=1.0, ds=1.5),
    # p/b/m: the closure itself is enforced by coarticulation.closure_mask; a high dominance here
    # would only drag the neighbouring vowels shut
    "B": _v(0.0, 0.12, 0.0, do=0.5, ds=0.3), "P": _v(0.0, 0.12, 0.0, do=0.5, ds=0.3),
    "M": _v(0.0, 0.10, 0.0, do=0.5, ds=0.3),
    "F": _v(0.08, 0.12, 0.1, 1.0, do=1.5, ds=3.0), "V": _v(0.08, 0.12, 0.1, 1.0, do=1.5, ds=3.0),
    "TH": _v(0.22, 0.22, 0.15, do=0.5, ds=0.8), "DH": _v(0.20, 0.20, 0.15, do=0.5, ds=0.6),
    "T": _v(0.22, 0.22, 0.10, do=0.6, ds=0.3), "D": _v(0.22, 0.22, 0.10, do=0.6, ds=0.3),
    "N": _v(0.20, 0.20, 0.10, do=0.6, ds=0.3), "L": _v(0.28, 0.28, 0.10, do=0.5, ds=0.3),
    "S": _v(0.10, 0.12, 0.40, do=1.5, ds=1.0), "Z": _v(0.10, 0.12, 0.40, do=1.5, ds=1.0),
    "SH": _v(0.15, 0.18, -0.60, do=1.5, ds=2.0), "ZH": _v(0.15, 0.18, -0.60, do=1.5, ds=2.0),
    "CH": _v(0.15, 0.18, -0.55, do=1.5, ds=2.0), "JH": _v(0.15, 0.18, -0.55, do=1.5, ds=2.0),
    "K": _v(0.30, 0.30, 0.0, do=0.4, ds=0.2), "G": _v(0.30, 0.30, 0.0, do=0.4, ds=0.2),
    "NG": _v(0.28, 0.28, 0.0, do=0.4, ds=0.2), "HH": _v(0.45, 0.40, 0.0, do=0.2, ds=0.1),
    "R": _v(0.25, 0.28, -0.50, do=0.8, ds=1.2), "W": _v(0.12, 0.20, -1.0, do=2.0, ds=3.0),
    "Y": _v(0.22, 0.25, 0.60, do=0.8, ds=1.0),
    SILENCE: _v(0.0, 0.0, 0.0, do=1.0, ds=0.5),
}

# Diphthong -> (first half, second half)
DIPHTHONGS = {"AW": ("AA", "UH"), "AY": ("AA", "IH"), "OY": ("AO", "IY"), "EY": ("EH", "IY"),
              "OW": ("AO", "UW")}


def base_phone(p: str) -> str:
    """'AH0' -> 'AH'; noise and unknown labels -> SIL."""
    p = p.upper().rstrip("012")
    if p in TABLE or p in DIPHTHONGS:
        return p
    return SILENCE


def expand(phones: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Split diphthongs into their two halves (first half slightly longer, as spoken)."""
    out = []
    for p, s, e in phones:
        p = base_phone(p)
        if p in DIPHTHONGS:
            a, b = DIPHTHONGS[p]
            m = s + 0.55 * (e - s)
            out += [(a, s, m), (b, m, e)]
        else:
            out.append((p, s, e))
    return out


def target_array(phones) -> tuple[np.ndarray, np.ndarray]:
    """(targets k x 4, dominances k x 4) for a list of expanded phones."""
    tgt = np.array([TABLE[p].target for p, _, _ in phones], dtype=np.float64).reshape(-1, N_PARAMS)
    dom = np.array([[TABLE[p].dom_open] * 2 + [TABLE[p].dom_shape] * 2 for p, _, _ in phones],
                   dtype=np.float64).reshape(-1, N_PARAMS)
    return tgt, dom
