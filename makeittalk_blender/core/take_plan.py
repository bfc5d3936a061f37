"""A track as sparse keys: head pose, semantic channels, their fitted detail and the per-landmark residual.

Order matters for exactness. The head curves (including yaw and pitch) are reduced first and the
expression is taken out with the *reduced* head, turned in depth as the rig turns it (head_pose.py),
so the landmarks land on the track whatever the head does. The expression is projected onto the
channels; what the channels' hand-made shapes leave is, for an engine's mouth, almost exactly linear
in the channel values, so each channel gets a fitted detail shape ("fit.<channel>", driven by the
channel in Blender) restricted to the channel's region. The channels are reduced next (80% of the
tolerance), and the residual is what the reduced channels and their detail leave: nearly constant,
so it needs few keys; it is reduced with the full tolerance on each landmark's error vector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import face_rig
from . import head_pose as hp
from . import keyreduce as kr
from .mesh_layout import landmark_depth
from .trackfile import TrackData

DEFAULT_TOL_PX = 0.25
HEAD = hp.HEAD
CHANNEL_SHARE = 1.25     # of the tolerance, for the channels; the residual takes up what they leave
FIT_RIDGE = 1e-3        # relative to the mean channel variance
FIT_MIN_PX = 0.5        # channels that move their points less than this (std) get no fitted detail


@dataclass
class TakePlan:
    n_frames: int
    head: dict                      # name -> Keys (tx, ty in pixels, roll/yaw/pitch in degrees, scale)
    channels: dict                  # channel name -> Keys (channel values)
    residual: list                  # 68 x 2 Keys, pixels
    basis: np.ndarray               # k x 136: the channels' own shapes
    tol_px: float
    fit: np.ndarray = None          # k x 136: each channel's fitted detail (pixels at value 1)
    depth: np.ndarray = None        # 68: the rest landmarks' depth (pixels, towards the viewer)
    stats: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.fit is None:
            self.fit = np.zeros_like(self.basis)
        if self.depth is None:
            self.depth = np.zeros(68)

    def curves(self):
        """Every reduced curve (head, channels, residual)."""
        return list(self.head.values()) + list(self.channels.values()) + [k for row in self.residual for k in row]

    def curve_names(self) -> list:
        return list(self.head) + list(self.channels) + [f"lm{i:02d}.{a}" for i in range(68) for a in "xy"]


def fit_detail(values: np.ndarray, res: np.ndarray, ppu: np.ndarray) -> np.ndarray:
    """k x 136: the least-squares linear map from channel values (n x k) to the residual (n x 136),
    each channel acting only on its own region (face_rig.REGIONS); centred (the constant part stays
    in the residual), ridge-damped."""
    n, k = values.shape
    fit = np.zeros((k, res.shape[1]))
    vc = values - values.mean(axis=0)
    rc = res - res.mean(axis=0)
    moving = vc.std(axis=0) * ppu >= FIT_MIN_PX
    regions = face_rig.channel_regions()
    groups: dict = {}
    for i in range(68):
        chans = tuple(c for c in range(k) if moving[c] and i in regions[c])
        groups.setdefault(chans, []).append(i)
    for chans, lms in groups.items():
        if not chans:
            continue
        cols = np.ravel([[2 * i, 2 * i + 1] for i in lms])
        v = vc[:, chans]
        gram = v.T @ v
        lam = FIT_RIDGE * float(np.trace(gram)) / len(chans) + 1e-12
        fit[np.ix_(chans, cols)] = np.linalg.solve(gram + lam * np.eye(len(chans)), v.T @ rc[:, cols])
    return fit


def plan_take(track: TrackData, tol_px: float = DEFAULT_TOL_PX, depth: np.ndarray | None = None,
              fit: np.ndarray | None = None) -> TakePlan:
    """depth: the rig's rest landmark depths in pixels (None: the shared mesh layout's)."""
    n = track.n_frames
    rest = track.rest[:, :2]
    pivot = track.pivot
    depth = landmark_depth(track.rest) if depth is None else np.asarray(depth, dtype=np.float64)[:68]
    frames = track.frames[:, :, :2]
    head = hp.pose_array(track.head_pose)
    radius = float(np.linalg.norm(rest - pivot, axis=1).max()) or 1.0
    head_keys = dict(zip(HEAD, kr.reduce_many(head.T, hp.tolerances(tol_px, radius))))
    head_r = np.stack([kr.evaluate(head_keys[name], n) for name in HEAD], axis=1)

    expr = hp.remove(frames, head_r, depth, pivot) - rest
    basis = face_rig.basis_matrix(rest)
    values = face_rig.project(expr, basis)
    res0 = face_rig.residual(expr, values, basis).reshape(n, 136)
    if fit is None:
        fit = fit_detail(values, res0, face_rig.pixels_per_unit(basis))
    shapes = basis + fit
    ppu = face_rig.pixels_per_unit(shapes)
    ch_tol = CHANNEL_SHARE * tol_px / np.maximum(ppu, 1e-9)
    channels = dict(zip(face_rig.CHANNELS, kr.reduce_many(values.T, ch_tol, reach=True)))
    values_r = np.stack([kr.evaluate(channels[name], n) for name in face_rig.CHANNELS], axis=1)
    res = expr - (values_r @ shapes).reshape(n, 68, 2)
    # the head's scale carries the residual's error to the image (the turn's projection only shrinks it)
    res_tol = tol_px / max(1.0, float(np.abs(head_r[:, HEAD.index("scale")]).max()))
    residual = [pair for pair in kr.reduce_shared(res.transpose(1, 0, 2), res_tol)]
    plan = TakePlan(n, head_keys, channels, residual, basis, tol_px, fit=fit, depth=depth)
    plan.stats = key_stats(plan)
    err = np.linalg.norm(reconstruct(plan, track) - frames, axis=2)
    plan.stats["max_error_px"] = float(err.max())
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
    expr = (values @ (plan.basis + plan.fit)).reshape(n, 68, 2) + res
    return hp.apply(rest + expr, head, plan.depth, track.pivot)


def key_stats(plan: TakePlan) -> dict:
    counts = np.array([len(k) for k in plan.curves()])
    n = max(plan.n_frames, 1)
    frac = counts / n
    names = plan.curve_names()
    return {"frames": plan.n_frames, "curves": int(len(counts)), "keys": int(counts.sum()),
            "keys_per_frame_curve": round(float(counts.sum()) / (n * len(counts)), 4),
            "median_keys_fraction": round(float(np.median(frac)), 4),
            "p95_keys_fraction": round(float(np.percentile(frac, 95)), 4),
            "max_keys_fraction": round(float(frac.max()), 4),
            "busiest_curve": names[int(np.argmax(counts))],
            "share_of_curves_within_25pct": round(float((counts <= 0.25 * n).mean()), 4)}
