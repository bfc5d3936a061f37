"""The phone timeline an export works from: the track's own (engine phones), or, for a track that has
none (version 1, an edited take), one read off the landmarks' channels.

A segment is (start_s, end_s, phone, conf). Gaps between the engine's phones are silence.
"""

from __future__ import annotations

import numpy as np

from ..phoneset import SILENCE, normalise_phone

PAUSE_S = 0.3          # a still, closed-or-rest mouth this long is a pause (silence), shorter is a closure
CLOSURE_S = 0.06       # the ends of a pause that count as the closure of the sound before or after


def segments(track) -> list[tuple[float, float, str, float]]:
    """Contiguous segments covering 0 .. duration_s."""
    if track.phones:
        return _fill(track.phones, float(track.duration_s))
    return from_channels(track)


def _fill(phones: list, duration: float) -> list:
    out, t = [], 0.0
    for p in phones:
        start, end = max(t, p["start"]), min(duration, p["end"])
        if end <= start:
            continue
        if start > t + 1e-6:
            out.append((t, start, SILENCE, 1.0))
        out.append((start, end, normalise_phone(p["phone"]), float(p.get("conf", 1.0))))
        t = end
    if t < duration - 1e-6:
        out.append((t, duration, SILENCE, 1.0))
    return _merge(out)


def _merge(segs: list) -> list:
    out = []
    for s in segs:
        if out and out[-1][2] == s[2]:
            a = out[-1]
            out[-1] = (a[0], s[1], a[2], min(a[3], s[3]))
        else:
            out.append(s)
    return out


def label_frames(ch: dict, gap: np.ndarray | None = None) -> list[str]:
    """A phone standing for each frame's mouth shape (closed 'M', 'F', rounded 'UW' / 'AO', and
    openness 'T' < 'EH' < 'AA'). Confidence of these is low (0.5): they are read off the shape.
    gap: the lip gap over its rest value (jaw_open's units); closure is judged on it, relative to
    how far this take opens (a 0.25 share of its usual opening, as the lip-sync bench does)."""
    jaw, pucker = np.asarray(ch["jaw_open"]), np.asarray(ch["pucker"])
    tuck = np.asarray(ch["lower_lip_raise"])
    gap = jaw if gap is None else np.asarray(gap)
    opened = gap[gap > 0.05]
    closed_below = max(0.04, 0.25 * float(np.percentile(opened, 75))) if len(opened) else 0.06
    out = []
    for j, g, p, t in zip(jaw, gap, pucker, tuck):
        if g <= closed_below:
            out.append("M")
        elif t > 0.5 and j < 0.3:
            out.append("F")
        elif p > 0.45:
            out.append("UW" if j < 0.35 else "AO")
        elif j < 0.3:
            out.append("T")
        elif j < 0.6:
            out.append("EH")
        else:
            out.append("AA")
    return out


def from_channels(track) -> list:
    from .. import channels

    fps = float(track.fps)
    e = channels.expression(track.rest, track.frames, track.head_pose)
    rest = track.rest[:, :2]
    gap = (channels.lip_gap(e) - channels.lip_gap(rest)) / (0.28 * channels.eye_unit(rest))
    labels = label_frames(track.channels, gap)
    segs = _merge([(k / fps, min((k + 1) / fps, track.duration_s), lab, 0.5) for k, lab in enumerate(labels)])
    # a long closed mouth is a pause, not a consonant; its first and last moments next to speech are
    # the closure of the sound before or after (p, b, m close the lips going into and out of a pause)
    out = []
    for k, (a, b, ph, c) in enumerate(segs):
        if ph != "M" or b - a < PAUSE_S:
            out.append((a, b, ph, c))
            continue
        lead = CLOSURE_S if k > 0 else 0.0
        tail = CLOSURE_S if k + 1 < len(segs) else 0.0
        out += [(a, a + lead, "M", c)] if lead else []
        out.append((a + lead, b - tail, SILENCE, c))
        out += [(b - tail, b, "M", c)] if tail else []
    segs = out
    if segs and segs[-1][1] < track.duration_s:
        a = segs[-1]
        segs[-1] = (a[0], float(track.duration_s), a[2], a[3])
    return _merge(segs)


def frame_times(track) -> np.ndarray:
    return np.arange(track.n_frames) / float(track.fps)


def at_frames(segs: list, times: np.ndarray) -> list[int]:
    """Index of the segment active at each time."""
    starts = np.array([s[0] for s in segs])
    return list(np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(segs) - 1))


def sparse_keys(values: np.ndarray, times: np.ndarray, eps: float = 1e-4) -> list[list[float]]:
    """[[t, v], ...] keeping only the frames linear interpolation between the kept ones cannot give
    (the ends, and where the slope changes): exact for piecewise-linear curves."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) <= 2:
        return [[round(float(t), 4), round(float(x), 4)] for t, x in zip(times, v)]
    bend = np.abs(v[:-2] - 2 * v[1:-1] + v[2:]) > eps
    keep = np.r_[True, bend, True]
    return [[round(float(times[i]), 4), round(float(v[i]), 4)] for i in np.nonzero(keep)[0]]


def dense_from_keys(keys: list, times: np.ndarray) -> np.ndarray:
    if not keys:
        return np.zeros(len(times))
    k = np.asarray(keys, dtype=np.float64)
    return np.interp(times, k[:, 0], k[:, 1])
