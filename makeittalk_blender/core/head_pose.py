"""The head as the rig moves it: the track's head pose with yaw and pitch turning the face in depth.

The Blender rig turns the portrait about the head pivot with the Head Empty (rotation mode YXZ: roll
about the view axis first, then pitch, then yaw), scales it and shifts it; the camera is orthographic,
so a landmark lands at  pivot + [tx, ty] + scale * first two rows of R @ (p - pivot, depth).  R is the
Empty's rotation written in image axes (x right, y down, depth towards the viewer). With yaw and pitch
0 this is the track's 2-D similarity (trackformat.pose_matrix). take_plan takes the expression out with
exactly this transform, so the landmarks land on the track while the face turns in depth.
"""

from __future__ import annotations

import math

import numpy as np

HEAD = ("tx", "ty", "roll_deg", "scale", "yaw_deg", "pitch_deg")
TURN_GAIN = 1.0        # share of the track's yaw / pitch estimate the head turns by
_IMAGE_TO_WORLD = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, -1.0, 0.0]])   # (x, y, depth) -> (X, Y, Z)


def pose_array(head_pose: list) -> np.ndarray:
    """n x 6 in HEAD order from a track's head_pose entries (missing scale 1, others 0)."""
    return head_array({k: [float(p.get(k, 1.0 if k == "scale" else 0.0)) for p in head_pose] for k in HEAD})


def head_array(columns: dict) -> np.ndarray:
    """n x 6 in HEAD order from one sequence per HEAD key; yaw and pitch times TURN_GAIN."""
    out = np.stack([np.asarray(columns[k], dtype=np.float64).reshape(-1) for k in HEAD], axis=1)
    out[:, 4:6] *= TURN_GAIN
    return out


def tolerances(tol_px: float, radius: float) -> tuple:
    """Key tolerances of the head curves: a pixel at the edge of the face for the angles and scale."""
    deg = math.degrees(tol_px / radius)
    return (tol_px, tol_px, deg, tol_px / radius, deg, deg)


def world_rotation(roll_deg, yaw_deg, pitch_deg) -> np.ndarray:
    """n x 3 x 3 Blender rotation of Euler (X = pitch, Y = roll, Z = yaw) in mode YXZ: Rz @ Rx @ Ry."""
    r, y, p = (np.radians(np.atleast_1d(np.asarray(a, dtype=np.float64))) for a in (roll_deg, yaw_deg, pitch_deg))
    n = len(r)
    one, zero = np.ones(n), np.zeros(n)

    def mat(rows):
        return np.stack([np.stack(row, -1) for row in rows], -2)

    ry = mat([[np.cos(r), zero, np.sin(r)], [zero, one, zero], [-np.sin(r), zero, np.cos(r)]])
    rx = mat([[one, zero, zero], [zero, np.cos(p), -np.sin(p)], [zero, np.sin(p), np.cos(p)]])
    rz = mat([[np.cos(y), -np.sin(y), zero], [np.sin(y), np.cos(y), zero], [zero, zero, one]])
    return rz @ rx @ ry


def image_rotation(head: np.ndarray) -> np.ndarray:
    """n x 3 x 3: the head's rotation in image axes (x, y, depth) for head rows in HEAD order."""
    w = world_rotation(head[:, 2], head[:, 4], head[:, 5])
    return _IMAGE_TO_WORLD @ w @ _IMAGE_TO_WORLD          # the axis map is its own inverse


def apply(points: np.ndarray, head: np.ndarray, depth: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """Image positions (n x 68 x 2) of face points (n x 68 x 2 in the rest frame, depth 68) under the head."""
    rot = image_rotation(head)[:, :2, :] * head[:, 3, None, None]
    q = np.concatenate([points - pivot, np.broadcast_to(depth[None, :, None], points.shape[:2] + (1,))], axis=2)
    return np.einsum("nij,nkj->nki", rot, q) + pivot + head[:, None, :2]


def remove(frames: np.ndarray, head: np.ndarray, depth: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """The face points in the rest frame (n x 68 x 2) that `apply` takes to `frames` (depth fixed)."""
    rot = image_rotation(head) * head[:, 3, None, None]
    m = rot[:, :2, :2]
    det = m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]
    flat = np.stack([np.stack([m[:, 1, 1], -m[:, 0, 1]], -1), np.stack([-m[:, 1, 0], m[:, 0, 0]], -1)], -2) \
        / det[:, None, None]                                  # closed-form 2 x 2 inverse (fast)
    target = frames - pivot - head[:, None, :2] - rot[:, None, :2, 2] * depth[None, :, None]
    return np.einsum("nij,nkj->nki", flat, target) + pivot
