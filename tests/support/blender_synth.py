"""A known track for the Blender tests: the dlib rest face of examples/monalisa.jpg with a mouth that
opens and closes, a blink and a head that turns, nods and scales (applied with the track convention)."""

from __future__ import annotations
from support.paths import ROOT, DATA

import json
import math

import numpy as np

from makeittalk_blender.core import trackfile

PORTRAIT = ROOT / "examples" / "monalisa.jpg"
SPEECH = ROOT / "examples" / "speech.wav"
REST_FILE = DATA / "monalisa_rest.json"


def monalisa_rest() -> tuple[np.ndarray, int, int]:
    d = json.loads(REST_FILE.read_text())
    return np.asarray(d["landmarks"], dtype=np.float64), int(d["width"]), int(d["height"])


def open_mouth_offsets(rest: np.ndarray, amount: float) -> np.ndarray:
    """68x2 offsets that open the mouth by `amount` pixels at the chin's middle."""
    off = np.zeros((68, 2))
    off[[56, 57, 58, 65, 66, 67], 1] = amount
    off[[55, 59], 1] = 0.7 * amount
    off[6:11, 1] = 0.6 * amount
    off[[61, 62, 63], 1] = -0.15 * amount
    return off


def make_track(n: int = 40, fps: float = 25.0, head: bool = True, seed: int = 0, noise: float = 0.3) -> trackfile.TrackData:
    rest, w, h = monalisa_rest()
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fps
    frames = np.repeat(rest[None], n, axis=0)
    opening = 14.0 * np.clip(np.sin(2 * math.pi * 1.3 * t), 0, None)
    for k in range(n):
        frames[k, :, :2] += open_mouth_offsets(rest, opening[k])
        frames[k, :, :2] += rng.normal(0.0, noise, (68, 2))      # every landmark moves a little
    pose = []
    pivot = rest[:, :2].mean(axis=0)
    for k in range(n):
        p = {"roll_deg": 4.0 * math.sin(1.7 * t[k]) if head else 0.0, "yaw_deg": 0.0, "pitch_deg": 0.0,
             "tx": 3.0 * math.sin(0.9 * t[k]) if head else 0.0, "ty": 2.0 * math.cos(1.1 * t[k]) - 2.0 if head else 0.0,
             "scale": 1.0 + (0.02 * math.sin(0.7 * t[k]) if head else 0.0)}
        frames[k] = trackfile.apply_pose(frames[k], p, pivot)
        pose.append(p)
    return trackfile.TrackData(fps=fps, width=w, height=h, rest=rest, frames=frames, head_pose=pose,
                               engine="synthetic", params={}, duration_s=n / fps)


def evaluated_vertices(bpy, scene, ob, frame: int) -> np.ndarray:
    """n x 3: every vertex of the evaluated portrait mesh at `frame` (object space)."""
    scene.frame_set(frame)
    ev = ob.evaluated_get(bpy.context.evaluated_depsgraph_get())
    me = ev.to_mesh()
    co = np.empty(len(me.vertices) * 3)
    me.vertices.foreach_get("co", co)
    ev.to_mesh_clear()
    return co.reshape(-1, 3)


def evaluated_landmarks(bpy, scene, ob, frame: int) -> np.ndarray:
    """The 68 landmark vertices of the evaluated portrait mesh at `frame`, in image pixels."""
    from makeittalk_blender.core import track_math as tm

    w, h = ob["image_size"]
    return tm.PixelMap(int(w), int(h)).to_pixels(evaluated_vertices(bpy, scene, ob, frame)[:68])


REAL_SPEECH = ROOT / "tests" / "addon_blender" / "data" / "speech_default_4s.npz"


def real_speech_track() -> trackfile.TrackData:
    """4 s of a real default-engine track (examples/speech.wav on the Mona Lisa: mouth, blinks, head with
    yaw and pitch, a phone timeline with confidences), made by `makeittalk track` and cut to 120 frames."""
    return trackfile.load(REAL_SPEECH)


def with_turn(track: trackfile.TrackData, yaw_deg: float = 8.0, pitch_deg: float = 5.0) -> trackfile.TrackData:
    """The same landmarks with known head yaw / pitch estimates (slow sines of these amplitudes)."""
    import dataclasses

    n = track.n_frames
    t = np.arange(n) / track.fps
    pose = [dict(p, yaw_deg=float(yaw_deg * math.sin(1.3 * t[k])), pitch_deg=float(pitch_deg * math.cos(0.9 * t[k])))
            for k, p in enumerate(track.head_pose)]
    return dataclasses.replace(track, head_pose=pose)
