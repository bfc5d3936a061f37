"""Phones of the track's timeline and the mouth-shape sets they map to (pure, data only).

Phones are ARPAbet (the CMU dictionary's 39 phones) without stress digits; "SIL" is silence (the
engines' "SP", "SPN", "", "_" and "sil" are read as SIL). Two mouth-shape sets hang off them:
* Oculus/Meta's 15 visemes: sil PP FF TH DD kk CH SS nn RR aa E ih oh ou.
* Rhubarb Lip Sync's mouth cues: A closed (P B M), B slightly open with teeth together (most
  consonants, "EE"), C open (EH, AE), D wide open (AA), E slightly rounded (AO, ER), F puckered
  (UW, OW, W), G upper teeth on the lower lip (F, V), H tongue up (L), X idle (silence).
"""

from __future__ import annotations

VISEMES = ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou")
CUES = ("A", "B", "C", "D", "E", "F", "G", "H", "X")
SILENCE = "SIL"
CLOSED_PHONES = frozenset({"P", "B", "M"})

# phone -> (Oculus viseme, Rhubarb cue)
_TABLE = {
    "SIL": ("sil", "X"),
    "P": ("PP", "A"), "B": ("PP", "A"), "M": ("PP", "A"),
    "F": ("FF", "G"), "V": ("FF", "G"),
    "TH": ("TH", "B"), "DH": ("TH", "B"),
    "T": ("DD", "B"), "D": ("DD", "B"),
    "K": ("kk", "B"), "G": ("kk", "B"), "NG": ("kk", "B"), "HH": ("kk", "C"),
    "CH": ("CH", "B"), "JH": ("CH", "B"), "SH": ("CH", "B"), "ZH": ("CH", "B"),
    "S": ("SS", "B"), "Z": ("SS", "B"),
    "N": ("nn", "B"), "L": ("nn", "H"),
    "R": ("RR", "B"), "ER": ("RR", "E"),
    "AA": ("aa", "D"), "AE": ("aa", "C"), "AH": ("aa", "C"), "AY": ("aa", "D"), "AW": ("aa", "D"),
    "EH": ("E", "C"), "EY": ("E", "C"),
    "IH": ("ih", "B"), "IY": ("ih", "B"), "Y": ("ih", "B"),
    "AO": ("oh", "E"), "OW": ("oh", "F"), "OY": ("oh", "E"),
    "UH": ("ou", "F"), "UW": ("ou", "F"), "W": ("ou", "F"),
}
# ARPAbet's 39 phones and silence, for characters with one shape per phone
PHONES = tuple(_TABLE)
_SILENT = {"", "SP", "SPN", "_", "SIL", "NSN", "PAU", "#"}


def normalise_phone(phone: str) -> str:
    """'ah1' -> 'AH'; any silence marker -> 'SIL'; unknown phones keep their (upper-case) name."""
    p = str(phone).strip().upper().rstrip("012")
    return SILENCE if p in _SILENT else p


def viseme_of(phone: str) -> str:
    """Oculus viseme of a phone; an unknown phone counts as a neutral open vowel ('aa' is too wide,
    'E' is the mid shape)."""
    return _TABLE.get(normalise_phone(phone), ("E", "B"))[0]


def cue_of(phone: str) -> str:
    """Rhubarb mouth cue of a phone (unknown phones: 'B', Rhubarb's most common shape)."""
    return _TABLE.get(normalise_phone(phone), ("E", "B"))[1]


def is_closed(phone: str) -> bool:
    return normalise_phone(phone) in CLOSED_PHONES
