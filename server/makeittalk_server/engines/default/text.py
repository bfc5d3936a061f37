"""Transcript text -> words the pocketsphinx dictionary knows, with a rough spelling-to-sound rule set
for words it does not know (names, coinages), so a transcript never fails to align."""

from __future__ import annotations

import re

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
        "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (number_words(n % 100) if n % 100 else [])
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return number_words(n // size) + [name] + (number_words(rest) if rest else [])
    return []


def words(text: str) -> list[str]:
    """Lower-case words; digits spelled out; punctuation dropped (apostrophes inside words kept)."""
    out = []
    for tok in re.findall(r"[0-9]+|[^\W\d_]+(?:'[^\W\d_]+)*", text.lower()):
        if tok.isascii() and tok.isdigit():      # '①' and other Unicode digits are not numbers here
            out += number_words(int(tok[:12]))
        else:
            out.append(tok)
    return out


# Ordered longest-first; the first match at each position wins.
_RULES = [
    ("tion", "SH AH N"), ("igh", "AY"), ("ough", "AO"), ("sch", "S K"),
    ("ch", "CH"), ("sh", "SH"), ("th", "TH"), ("ph", "F"), ("ng", "NG"), ("ck", "K"), ("qu", "K W"),
    ("wh", "W"), ("ee", "IY"), ("ea", "IY"), ("oo", "UW"), ("ou", "AW"), ("ow", "OW"), ("ai", "EY"),
    ("ay", "EY"), ("oa", "OW"), ("oi", "OY"), ("oy", "OY"), ("au", "AO"), ("aw", "AO"), ("ie", "IY"),
    ("ei", "EY"), ("ey", "IY"), ("ue", "UW"), ("ew", "UW"), ("er", "ER"), ("ar", "AA R"), ("or", "AO R"),
    ("ir", "ER"), ("ur", "ER"),
    ("a", "AE"), ("b", "B"), ("c", "K"), ("d", "D"), ("e", "EH"), ("f", "F"), ("g", "G"), ("h", "HH"),
    ("i", "IH"), ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("o", "AA"), ("p", "P"),
    ("q", "K"), ("r", "R"), ("s", "S"), ("t", "T"), ("u", "AH"), ("v", "V"), ("w", "W"), ("x", "K S"),
    ("y", "IY"), ("z", "Z"),
]


def guess_pronunciation(word: str) -> str:
    """Rough ARPAbet for an unknown word (ASCII letters only; other letters are skipped)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if len(w) > 3 and w.endswith("e") and w[-2] not in "aeiou":
        w = w[:-1]                                # silent final e
    w = re.sub(r"(.)\1", r"\1", w)                 # double letters sound once
    phones, i = [], 0
    while i < len(w):
        if w[i] == "y" and i == 0:
            phones.append("Y"); i += 1; continue
        if w[i] == "c" and i + 1 < len(w) and w[i + 1] in "eiy":
            phones.append("S"); i += 1; continue
        for g, p in _RULES:
            if w.startswith(g, i):
                phones.append(p); i += len(g); break
        else:
            i += 1
    return " ".join(phones)
