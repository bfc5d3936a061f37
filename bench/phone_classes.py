"""Every reference phone set mapped to the few mouth classes the lip-sync measures are defined on.

Classes: "sil" (pause), "bil" (p/b/m: lips must close), "open" (ARPAbet aa ae ah ao aw ay: the mouth
must open), "schwa" (reduced vowel, counted with the open vowels by default, as issue 3 defined it),
"mid", "close" (other vowels), "fv" (f/v: lower lip tucked), "cons" (every other consonant).

Three phone sets arrive here: ARPAbet (pocketsphinx alignments of real voices, no stress marks, so AH
is "open" like espeak's V), espeak-ng mnemonics (English keeps issue 3's lists exactly; other languages
go by the mnemonic's letter) and festival segments (classified from the voice's own phone-set features:
vowel height and place/manner of articulation, so no per-language table is guessed).
"""

from __future__ import annotations

CLASSES = ("sil", "bil", "open", "schwa", "mid", "close", "fv", "cons")
OPENNESS = {"sil": 0.0, "bil": 0.0, "open": 1.0, "schwa": 0.6, "mid": 0.6, "close": 0.35, "fv": 0.1,
            "cons": 0.25}

# ---- ARPAbet -----------------------------------------------------------------------------------------
ARPA = {"P": "bil", "B": "bil", "M": "bil", "AA": "open", "AE": "open", "AH": "open", "AO": "open",
        "AW": "open", "AY": "open", "AX": "schwa", "EH": "mid", "ER": "mid", "EY": "mid", "OW": "mid",
        "OY": "mid", "IH": "close", "IY": "close", "UH": "close", "UW": "close", "F": "fv", "V": "fv",
        "SIL": "sil", "SP": "sil", "NSN": "sil", "+NSN+": "sil", "+SPN+": "sil"}

# ---- espeak-ng English (issue 3's lists, unchanged) ----------------------------------------------------
EN_OPEN = {"a", "a#", "A:", "A@", "0", "V", "O:", "O", "O2", "O@", "aU", "aI", "aI@", "aI3", "aa"}
EN_SCHWA = {"@", "@2", "@5"}
EN_CLOSE = {"i", "i:", "I", "I2", "I#", "u", "u:", "U", "i@", "U@"}
EN_MID = {"e", "E", "e@", "eI", "3", "3:", "@L", "oU", "o@", "OI", "o", "u@"}

# ---- espeak-ng other languages: by the mnemonic's first letter (espeak's Kirshenbaum-like names) ----
_OPEN_START = set("aA&")           # a, a:, A, A:, aI, aU, a~, &  (IPA a, ɑ, æ)
_SCHWA_START = set("@")
_MID_START = set("eEoO3WYV")       # e, E, o, O, ø (Y), œ (W), ɜ (3), ʌ (V)
_CLOSE_START = set("iIuUy")


def is_pause_label(p: str) -> bool:
    return p == "" or p.startswith("_") or p in {"#", "pau", "sil", "SIL", "h#", "sp"}


def arpabet(p: str) -> str:
    p = p.upper().rstrip("012")
    return ARPA.get(p, "sil" if is_pause_label(p) else "cons")


def espeak(p: str, english: bool = True) -> str:
    if is_pause_label(p):
        return "sil"
    if p in {"p", "b", "m", "p'", "b'", "m'", "p#", "b#", "m-"}:
        return "bil"
    if p in {"f", "v", "f'", "v'"}:
        return "fv"
    if english:
        for cls, names in (("open", EN_OPEN), ("schwa", EN_SCHWA), ("mid", EN_MID), ("close", EN_CLOSE)):
            if p in names:
                return cls
        return "cons"
    c = p[0]
    if c in _OPEN_START:
        return "open"
    if c in _SCHWA_START:
        return "schwa"
    if c in _MID_START:
        return "mid"
    if c in _CLOSE_START:
        return "close"
    return "cons"


def festival(name: str, vc: str, vheight: str, cplace: str, ctype: str) -> str:
    """From festival's phone-set features (ph_vc, ph_vheight, ph_cplace, ph_ctype)."""
    if is_pause_label(name):
        return "sil"
    if vheight == "?":           # phone set without height/place features: by the name's letter
        return espeak(name, english=False) if vc == "+" or name[:1] in "pbmfv" else "cons"
    if vc == "+":
        return {"3": "open", "2": "mid", "1": "close"}.get(vheight, "mid")
    if cplace == "l" and ctype in {"s", "n"}:
        return "bil"
    if cplace == "b":
        return "fv"
    return "cons"
