"""Where to look first: a take's lip-sync confidence and its low-confidence stretches (numpy free).

Inputs are what the track carries: `params.info.phone_acoustic_agreement` (0..1, how well the phones
agree with the acoustics) and, when the engine gives one, a phone timeline [{start, end, phone, conf}]
(track v2 `phones`, or `params.info.phones_timeline`).
"""

from __future__ import annotations

LOW = 0.5               # phones below this confidence are worth a look
MIN_STRETCH_S = 0.25    # shorter dips are not marked
JOIN_GAP_S = 0.15       # dips closer than this are one stretch


def phone_timeline(track) -> list:
    phones = getattr(track, "phones", None)
    if not phones:
        info = (track.params or {}).get("info") or {}
        phones = info.get("phones_timeline") if isinstance(info, dict) else None
    out = []
    for p in phones or []:
        try:
            out.append({"start": float(p["start"]), "end": float(p["end"]), "phone": str(p.get("phone", "")),
                        "conf": float(p.get("conf", 1.0))})
        except (KeyError, TypeError, ValueError):
            continue
    return out


def summary(track) -> dict:
    """{agreement, phone_confidence (duration-weighted, speech only), low: [(start_s, end_s), ...]}."""
    info = (track.params or {}).get("info") or {}
    agreement = info.get("phone_acoustic_agreement") if isinstance(info, dict) else None
    phones = [p for p in phone_timeline(track) if p["phone"] != "SIL" and p["end"] > p["start"]]
    conf = None
    if phones:
        total = sum(p["end"] - p["start"] for p in phones)
        conf = sum(p["conf"] * (p["end"] - p["start"]) for p in phones) / total
    return {"agreement": None if agreement is None else float(agreement),
            "phone_confidence": None if conf is None else round(conf, 3), "low": low_stretches(phones)}


def low_stretches(phones: list, low: float = LOW) -> list:
    spans = []
    for p in sorted(phones, key=lambda p: p["start"]):
        if p["conf"] >= low:
            continue
        if spans and p["start"] - spans[-1][1] <= JOIN_GAP_S:
            spans[-1][1] = max(spans[-1][1], p["end"])
        else:
            spans.append([p["start"], p["end"]])
    return [(round(a, 3), round(b, 3)) for a, b in spans if b - a >= MIN_STRETCH_S]


def describe(s: dict) -> str:
    """One line for the panel."""
    parts = []
    if s.get("phone_confidence") is not None:
        parts.append(f"phones {100 * s['phone_confidence']:.0f}% sure")
    if s.get("agreement") is not None:
        parts.append(f"phones match the sound {100 * s['agreement']:.0f}%")
    if s.get("low"):
        parts.append(f"{len(s['low'])} stretch{'es' if len(s['low']) != 1 else ''} to check (timeline markers)")
    elif s.get("phone_confidence") is not None:
        parts.append(f"no stretch under {100 * LOW:.0f}%")
    return "Lip sync: " + ", ".join(parts) if parts else "Lip sync: no confidence from this engine"


def marker_name(tag: str, span) -> str:
    """A timeline marker's name for a low-confidence stretch (start and end in seconds)."""
    return f"{tag} {span[0]:.1f}-{span[1]:.1f}s"
