"""A track as sparse keys: head pose, semantic channels and the per-landmark residual (numpy only).

Order matters for exactness: the head curves are reduced first and the expression is taken out with the
*reduced* pose; the channels are reduced next and the residual is what the reduced channels leave. So
only the residual's own reduction error reaches the final landmarks, and that is held to the tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import face_rig
from . import keyreduce as kr
from .trackfile import TrackData

DEFAULT_TOL_PX = 0.25
HEAD = ("tx", "ty", "roll_deg", "scale")


@dataclass
class TakePlan:
    n_frames: int
    head: dict                      # name -> Keys (tx, ty in pixels, roll in degrees, scale)
    channels: dict                  # channel name -> Keys (channel values)
    residual: list                  # 68 x 2 Keys, pixels
    basis: np.ndarray               # k x 136
    tol_px: float
    stats: dict = field(default_factory=dict)

    def curves(self):
        """Every reduced curve (head, channels, residual)."""
        return list(self.head.values()) + list(self.channels.values()) + [k for row in self.residual for k in row]


def _pose_matrices(head: np.ndarray) -> np.ndarray:
    """n x 2 x 2: scale * R(roll), the track's head-pose convention (trackfile.pose_matrix) for all frames."""
    r = np.radians(head[:, 2])
    c, s = np.cos(r) * head[:, 3], np.sin(r) * head[:, 3]
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)


def _remove_pose(points: np.ndarray, head: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    inv = np.linalg.inv(_pose_matrices(head))
    return np.einsum("nij,nkj->nki", inv, points - pivot - head[:, None, :2]) + pivot


def _apply_pose(points: np.ndarray, head: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    return np.einsum("nij,nkj->nki", _pose_matrices(head), points - pivot) + pivot + head[:, None, :2]


def plan_take(track: TrackData, tol_px: float = DEFAULT_TOL_PX) -> TakePlan:
    n = track.n_frames
    rest = track.rest[:, :2]
    pivot = track.pivot
    frames = track.frames[:, :, :2]
    head = np.array([[p.get(k, 1.0 if k == "scale" else 0.0) for k in HEAD] for p in track.head_pose], dtype=np.float64)
    radius = float(np.linalg.norm(rest - pivot, axis=1).max()) or 1.0
    head_tol = (tol_px, tol_px, math.degrees(tol_px / radius), tol_px / radius)
    head_keys = dict(zip(HEAD, kr.reduce_many(head.T, head_tol)))
    head_r = np.stack([kr.evaluate(head_keys[name], n) for name in HEAD], axis=1)

    expr = _remove_pose(frames, head_r, pivot) - rest
    basis = face_rig.basis_matrix(rest)
    values = face_rig.project(expr, basis)
    ppu = face_rig.pixels_per_unit(basis)
    channels = dict(zip(face_rig.CHANNELS, kr.reduce_many(values.T, tol_px / np.maximum(ppu, 1e-9))))
    values_r = np.stack([kr.evaluate(channels[name], n) for name in face_rig.CHANNELS], axis=1)
    res = face_rig.residual(expr, values_r, basis)
    # the pose scales the residual's error on its way to the image; split the tolerance over x and y
    res_tol = tol_px / math.sqrt(2.0) / max(1.0, float(np.abs(head_r[:, 3]).max()))
    flat = kr.reduce_many(res.reshape(n, 136).T, res_tol)
    residual = [[flat[2 * i], flat[2 * i + 1]] for i in range(68)]
    plan = TakePlan(n, head_keys, channels, residual, basis, tol_px)
    plan.stats = key_stats(plan)
    plan.stats["max_error_px"] = float(np.linalg.norm(reconstruct(plan, track) - frames, axis=2).max())
    return plan


def reconstruct(plan: TakePlan, track: TrackData) -> np.ndarray:
    """What the keys evaluate to, n x 68 x 2 pixels (the scene's landmarks with nothing edited)."""
    n = plan.n_frames
    rest = track.rest[:, :2]
    head = np.stack([kr.evaluate(plan.head[name], n) for name in HEAD], axis=1)
    values = np.stack([kr.evaluate(plan.channels[name], n) for name in face_rig.CHANNELS], axis=1)
    res = np.empty((n, 68, 2))
    for i in range(68):
        for a in range(2):
            res[:, i, a] = kr.evaluate(plan.residual[i][a], n)
    expr = (values @ plan.basis).reshape(n, 68, 2) + res
    return _apply_pose(rest + expr, head, track.pivot)


def key_stats(plan: TakePlan) -> dict:
    counts = np.array([len(k) for k in plan.curves()])
    n = max(plan.n_frames, 1)
    return {"frames": plan.n_frames, "curves": int(len(counts)), "keys": int(counts.sum()),
            "keys_per_frame_curve": round(float(counts.sum()) / (n * len(counts)), 4),
            "max_keys_fraction": round(float(counts.max()) / n, 4),
            "share_of_curves_within_25pct": round(float((counts <= 0.25 * n).mean()), 4)}
