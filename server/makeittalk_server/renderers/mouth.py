"""The mouth interior for a closed-mouth portrait: when the lips part, the warp would only stretch the
closed lips' seam, so the inner-lip polygon is painted as a dark cavity, optionally with teeth.
Only a small box around the mouth is touched per frame; edges are anti-aliased (sub-pixel fill)."""

from __future__ import annotations

import cv2
import numpy as np

INNER = np.arange(60, 68)
UPPER_INNER = np.array([60, 61, 62, 63, 64])
LOWER_INNER = np.array([64, 65, 66, 67, 60])
CAVITY_RGB = np.array([58.0, 20.0, 24.0], dtype=np.float32)
CAVITY_DEEP_RGB = np.array([22.0, 6.0, 8.0], dtype=np.float32)
TEETH_RGB = np.array([210.0, 200.0, 182.0], dtype=np.float32)
_SHIFT = 4                     # fillPoly fixed-point bits: 1/16 px vertex precision
CLOSED_RATIO = 0.08            # rest opening / mouth width below this = a closed-mouth portrait


def opening(pts: np.ndarray) -> float:
    """Mean vertical gap between the inner lips (pixels)."""
    return float(np.mean(np.abs(pts[[67, 66, 65], 1] - pts[[61, 62, 63], 1])))


def mouth_width(pts: np.ndarray) -> float:
    return float(np.linalg.norm(pts[54, :2] - pts[48, :2]))


class MouthPainter:
    def __init__(self, rest_pts: np.ndarray, teeth: bool = True):
        rest_pts = np.asarray(rest_pts, dtype=np.float64)
        self.teeth = teeth
        # An open-mouth portrait already has its own mouth interior, which the warp carries along.
        self.enabled = opening(rest_pts) < CLOSED_RATIO * max(mouth_width(rest_pts), 1e-6)
        self.rest_opening = opening(rest_pts)

    def paint(self, frame: np.ndarray, pts: np.ndarray) -> None:
        """Paint the cavity into frame (H x W x 3 uint8, in place) for landmarks pts (68 x 2 output px)."""
        if not self.enabled:
            return
        pts = np.asarray(pts, dtype=np.float64)[:, :2]
        gap = opening(pts) - self.rest_opening
        if gap <= 0.5:
            return
        h, w = frame.shape[:2]
        poly = pts[INNER]
        x0, y0 = np.floor(poly.min(axis=0)).astype(int) - 2
        x1, y1 = np.ceil(poly.max(axis=0)).astype(int) + 3
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        origin = np.array([x0, y0], dtype=np.float64)
        cavity = _coverage(poly - origin, (y1 - y0, x1 - x0))
        if not cavity.any():
            return
        colour = self._colours(pts, origin, (y1 - y0, x1 - x0), gap)
        alpha = cavity[:, :, None]
        roi = frame[y0:y1, x0:x1].astype(np.float32)
        frame[y0:y1, x0:x1] = np.clip(roi + (colour - roi) * alpha + 0.5, 0, 255).astype(np.uint8)

    def _colours(self, pts, origin, shape, gap) -> np.ndarray:
        hh, ww = shape
        # Darker towards the middle of the opening: a cheap cue of depth.
        centre = pts[INNER].mean(axis=0) - origin
        ys = (np.arange(hh, dtype=np.float32) - centre[1])[:, None]
        xs = (np.arange(ww, dtype=np.float32) - centre[0])[None, :]
        half_w = max(mouth_width(pts) / 2, 1.0)
        r = np.clip(np.sqrt((xs / half_w) ** 2 + (ys / max(gap / 2, 1.0)) ** 2), 0, 1)[:, :, None]
        colour = CAVITY_DEEP_RGB + (CAVITY_RGB - CAVITY_DEEP_RGB) * r
        if self.teeth:
            mw = mouth_width(pts)
            band = min(0.3 * gap, 0.1 * mw)
            upper = pts[UPPER_INNER] - origin
            teeth = _coverage(np.concatenate([upper, (upper + [0, band])[::-1]]), shape)
            if gap > 0.25 * mw:                # lower teeth only show in a wide opening
                lower = pts[LOWER_INNER] - origin
                low = _coverage(np.concatenate([lower, (lower - [0, 0.6 * band])[::-1]]), shape)
                teeth = np.maximum(teeth, 0.85 * low)
            # Teeth sit in the middle of the mouth and turn away (darker) towards the corners.
            side = np.abs(xs) / max(0.38 * mw, 1.0)                      # 0 middle .. 1 near a corner
            teeth = teeth * np.clip((1.0 - side) * 3.0, 0.0, 1.0)
            shade = (1.0 - 0.45 * np.clip(side, 0, 1) ** 2)[:, :, None]
            t = teeth[:, :, None]
            colour = colour + (TEETH_RGB * shade - colour) * t
        return colour


def _coverage(poly: np.ndarray, shape) -> np.ndarray:
    """Anti-aliased coverage (0..1 float32) of a polygon with sub-pixel vertices."""
    mask = np.zeros(shape, dtype=np.uint8)
    fixed = np.round(poly * (1 << _SHIFT)).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(mask, [fixed], 255, lineType=cv2.LINE_AA, shift=_SHIFT)
    return mask.astype(np.float32) * (1.0 / 255.0)
