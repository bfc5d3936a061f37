"""ARKit's 52 blendshapes from the track's channels: Live Link Face CSV, a per-frame JSON, and the CSV
importer.

Mapping (channels in core/channels.py; every weight clipped to [0, 1]; the rest stay 0 because
68 landmarks do not see them: eye look, squint, cheeks, nose, tongue, jaw sideways/forward, frown,
dimple, press, roll upper, shrug):
    eyeBlinkLeft/Right      = blink_L / blink_R
    jawOpen                 = jaw_open
    mouthFunnel, mouthPucker = funnel, pucker
    mouthSmileLeft/Right    = smile_L / smile_R
    mouthStretchLeft/Right  = max(0, (mouth_corner_L + mouth_corner_R) / 2)   (both corners out)
    mouthLeft / mouthRight  = max(0, +-(mouth_corner_L - mouth_corner_R) / 2) (both corners to one side)
    mouthUpperUpLeft/Right  = upper_lip_raise
    mouthRollLower          = lower_lip_raise (the lower lip tucked under the teeth: F, V)
    browOuterUpLeft/Right   = max(0, brow_L / brow_R); browDownLeft/Right = max(0, -brow_L / -brow_R)
    browInnerUp             = max(0, (brow_L + brow_R) / 2)
    HeadYaw/Pitch/Roll (CSV) = head_yaw / head_pitch / head_roll in radians; eye rotations 0.
Live Link Face CSV: "Timecode,BlendShapeCount,<52 names in the app's order>,HeadYaw,...,RightEyeRoll";
timecode HH:MM:SS:FF.fff at 60 timecode frames a second (the app's), BlendShapeCount 61.
arkit-json: {"format": "makeittalk-arkit", "version": 1, "exportFps", "numFrames", "numPoses": 52,
"facsNames": [ARKit names], "weightMat": n x 52, "head": n x [yaw, pitch, roll] radians, "duration_s"}
(facsNames / weightMat / exportFps as in NVIDIA Audio2Face's blendshape JSON).
"""

from __future__ import annotations

import json
import math

import numpy as np

from .build import ExportError, track_from_channels

# Apple's names, in Live Link Face's column order.
NAMES = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight", "jawForward", "jawRight", "jawLeft", "jawOpen", "mouthClose",
    "mouthFunnel", "mouthPucker", "mouthRight", "mouthLeft", "mouthSmileLeft", "mouthSmileRight",
    "mouthFrownLeft", "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft",
    "mouthStretchRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)
ROTATIONS = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
             "RightEyeYaw", "RightEyePitch", "RightEyeRoll")
TC_RATE = 60


def csv_name(name: str) -> str:
    return name[0].upper() + name[1:]


def weights(ch: dict) -> np.ndarray:
    """n x 52 ARKit weights from the channels (mapping in the module's docstring)."""
    n = len(ch["jaw_open"])
    w = {name: np.zeros(n) for name in NAMES}
    cl, cr = np.asarray(ch["mouth_corner_L"]), np.asarray(ch["mouth_corner_R"])
    bl, br = np.asarray(ch["brow_L"]), np.asarray(ch["brow_R"])
    w.update(eyeBlinkLeft=ch["blink_L"], eyeBlinkRight=ch["blink_R"], jawOpen=ch["jaw_open"],
             mouthFunnel=ch["funnel"], mouthPucker=ch["pucker"], mouthSmileLeft=ch["smile_L"],
             mouthSmileRight=ch["smile_R"], mouthStretchLeft=(cl + cr) / 2, mouthStretchRight=(cl + cr) / 2,
             mouthLeft=(cl - cr) / 2, mouthRight=(cr - cl) / 2, mouthUpperUpLeft=ch["upper_lip_raise"],
             mouthUpperUpRight=ch["upper_lip_raise"], mouthRollLower=ch["lower_lip_raise"],
             browOuterUpLeft=bl, browOuterUpRight=br, browDownLeft=-bl, browDownRight=-br,
             browInnerUp=(bl + br) / 2)
    return np.clip(np.stack([np.asarray(w[name], dtype=np.float64) for name in NAMES], axis=1), 0.0, 1.0)


def channels_from_weights(w: np.ndarray) -> dict:
    """The channels back from n x 52 weights (the inverse of weights() where it has one)."""
    col = {name: w[:, i] for i, name in enumerate(NAMES)}
    sym = (col["mouthStretchLeft"] + col["mouthStretchRight"]) / 2
    shift = col["mouthLeft"] - col["mouthRight"]
    return {"jaw_open": col["jawOpen"], "blink_L": col["eyeBlinkLeft"], "blink_R": col["eyeBlinkRight"],
            "funnel": col["mouthFunnel"], "pucker": col["mouthPucker"], "smile_L": col["mouthSmileLeft"],
            "smile_R": col["mouthSmileRight"], "mouth_corner_L": sym + shift, "mouth_corner_R": sym - shift,
            "upper_lip_raise": (col["mouthUpperUpLeft"] + col["mouthUpperUpRight"]) / 2,
            "lower_lip_raise": col["mouthRollLower"],
            "brow_L": col["browOuterUpLeft"] - col["browDownLeft"],
            "brow_R": col["browOuterUpRight"] - col["browDownRight"]}


def head_radians(ch: dict) -> np.ndarray:
    return np.radians(np.stack([ch["head_yaw"], ch["head_pitch"], ch["head_roll"]], axis=1))


def timecode(t: float) -> str:
    frames = t * TC_RATE
    s = int(frames // TC_RATE)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{frames - s * TC_RATE:06.3f}"


def live_link_csv(track) -> bytes:
    w = weights(track.channels)
    head = head_radians(track.channels)
    header = ["Timecode", "BlendShapeCount"] + [csv_name(n) for n in NAMES] + list(ROTATIONS)
    lines = [",".join(header)]
    count = str(len(NAMES) + len(ROTATIONS))
    for k in range(track.n_frames):
        row = np.concatenate([w[k], head[k], np.zeros(6)])
        lines.append(",".join([timecode(k / track.fps), count] + [f"{v:.6f}" for v in row]))
    return ("\n".join(lines) + "\n").encode()


def arkit_json(track) -> bytes:
    w = weights(track.channels)
    doc = {"format": "makeittalk-arkit", "version": 1, "exportFps": float(track.fps), "numFrames": track.n_frames,
           "numPoses": len(NAMES), "duration_s": round(float(track.duration_s), 4), "facsNames": list(NAMES),
           "weightMat": np.round(w, 5).tolist(), "head": np.round(head_radians(track.channels), 6).tolist()}
    return json.dumps(doc, separators=(",", ":")).encode()


# ---- import -----------------------------------------------------------------------------------
def _seconds(tc: str) -> float:
    parts = tc.strip().split(":")
    if len(parts) == 1:                      # some tools write a plain frame number
        raise ValueError
    h, m, s, f = (list(map(float, parts)) + [0.0])[:4] if len(parts) == 3 else map(float, parts)
    return h * 3600 + m * 60 + s + f / TC_RATE


def parse_live_link(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """-> (times_s from 0, n x 52 weights, n x 3 head radians)."""
    lines = [ln for ln in data.decode("utf-8-sig", errors="replace").splitlines() if ln.strip()]
    if not lines:
        raise ExportError("the ARKit CSV is empty")
    header = [h.strip().lower() for h in lines[0].split(",")]
    if not header or header[0] != "timecode" or "jawopen" not in header:
        raise ExportError("this is not a Live Link Face CSV (no 'Timecode' and 'JawOpen' columns)")
    cols = [header.index(n.lower()) if n.lower() in header else -1 for n in NAMES]
    hcols = [header.index(n.lower()) if n.lower() in header else -1 for n in ROTATIONS[:3]]
    times, rows, heads = [], [], []
    for k, line in enumerate(lines[1:], 2):
        cells = line.split(",")
        try:
            times.append(_seconds(cells[0]))
            vals = [float(cells[c]) if c >= 0 else 0.0 for c in cols]
            rows.append(vals)
            heads.append([float(cells[c]) if c >= 0 else 0.0 for c in hcols])
        except (ValueError, IndexError):
            raise ExportError(f"line {k} of the ARKit CSV is not a timecode and numbers") from None
    if not rows:
        raise ExportError("the ARKit CSV has no frames")
    t = np.asarray(times)
    t = t - t[0]
    if np.any(np.diff(t) < 0):
        raise ExportError("the ARKit CSV's timecodes go backwards")
    w = np.asarray(rows)
    if not np.all(np.isfinite(w)):
        raise ExportError("the ARKit CSV contains values that are not numbers")
    return t, np.clip(w, 0.0, 1.0), np.asarray(heads)


def _rate(t: np.ndarray) -> float:
    steps = np.diff(t)
    steps = steps[steps > 1e-6]
    if not len(steps):
        return 30.0
    raw = 1.0 / float(np.median(steps))
    common = [24.0, 25.0, 30.0, 50.0, 60.0, 120.0]
    best = min(common, key=lambda r: abs(r - raw))
    return best if abs(best - raw) < 0.03 * raw else round(raw, 3)


def import_live_link(data: bytes, fps: float | None = None, **rest_kw):
    t, w, head = parse_live_link(data)
    fps = fps or _rate(t)
    duration = float(t[-1]) + 1.0 / fps
    grid = np.arange(max(1, int(math.ceil(duration * fps - 1e-9)))) / fps
    dense = np.stack([np.interp(grid, t, w[:, j]) for j in range(w.shape[1])], axis=1)
    ch = channels_from_weights(dense)
    hd = {key: np.degrees(np.interp(grid, t, head[:, j])) for j, key in enumerate(("yaw_deg", "pitch_deg", "roll_deg"))}
    return track_from_channels(ch, fps, duration, head=hd, engine="arkit-import", params={"imported": "arkit-csv"},
                               **rest_kw)
