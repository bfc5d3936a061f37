"""The mouth interior picture, made from the portrait's own colours.

The lips' and the skin's colours are sampled from the portrait, and the cavity, gums, tongue and teeth
are shades of them. So a grey photo gives a grey mouth, a bronze statue a bronze one, a painting keeps
its palette. The picture is mapped onto the inner-lip triangles by landmark (mesh_layout.MOUTH_UV):
upper inner lip at the top (v = 1, upper teeth under it), lower inner lip at the bottom (v = 0, lower
teeth and the tongue). Rows run bottom-up (Blender's pixel order); values are 8-bit levels / 255, so
Blender and the warp sample exactly the same texels.

Pure numpy: it runs inside Blender's Python.
"""

from __future__ import annotations

import numpy as np

SIZE = 128
DEFAULT_LIP = np.array([0.62, 0.36, 0.34])
DEFAULT_SKIN = np.array([0.85, 0.68, 0.58])


def _polygon_mask(poly: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Pixel centres (xs, ys grids) inside the polygon (even-odd rule)."""
    inside = np.zeros(xs.shape, dtype=bool)
    n = len(poly)
    for k in range(n):
        (xa, ya), (xb, yb) = poly[k], poly[(k + 1) % n]
        if ya == yb:
            continue
        cross = ((ya > ys) != (yb > ys)) & (xs < xa + (ys - ya) * (xb - xa) / (yb - ya))
        inside ^= cross
    return inside


def sample_colours(image: np.ndarray, lm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lip, skin) RGB in 0..1 from an H x W x 3 (or grey H x W) uint8 portrait and its 68 landmarks in
    the portrait's pixels (centres at integers). Medians, so a moustache or a highlight does not tip them."""
    img = np.asarray(image)
    if img.ndim == 2:
        img = img[:, :, None].repeat(3, axis=2)
    img = img[:, :, :3]
    lm = np.asarray(lm, dtype=np.float64)[:, :2]
    h, w = img.shape[:2]
    mw = max(float(np.linalg.norm(lm[54] - lm[48])), 2.0)
    x0, y0 = np.floor(lm[48:68].min(axis=0) - 1).astype(int)
    x1, y1 = np.ceil(lm[48:68].max(axis=0) + 2).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    lip = DEFAULT_LIP
    if x1 > x0 and y1 > y0:
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        ring = _polygon_mask(lm[48:60], xs, ys) & ~_polygon_mask(lm[60:68], xs, ys)
        if ring.sum() >= 4:
            lip = np.median(img[y0:y1, x0:x1][ring].reshape(-1, 3), axis=0) / 255.0
    # skin: small patches on both cheeks and between nose and upper lip
    pts = [0.5 * (lm[31] + lm[2]), 0.5 * (lm[35] + lm[14]), 0.5 * (lm[33] + lm[51])]
    r = max(int(0.08 * mw), 1)
    patches = []
    for cx, cy in pts:
        cx, cy = int(round(cx)), int(round(cy))
        patch = img[max(cy - r, 0):min(cy + r + 1, h), max(cx - r, 0):min(cx + r + 1, w)].reshape(-1, 3)
        if len(patch):
            patches.append(patch)
    skin = np.median(np.concatenate(patches), axis=0) / 255.0 if patches else DEFAULT_SKIN
    return np.asarray(lip, dtype=np.float64), np.asarray(skin, dtype=np.float64)


def _grey(c: np.ndarray) -> float:
    return float(c @ np.array([0.299, 0.587, 0.114]))


def palette(lip: np.ndarray, skin: np.ndarray) -> dict:
    """Colours of the interior parts. Scaling a colour keeps its saturation; teeth keep 0.6 of the skin's
    chroma around a light grey (0.6 of it), so nothing is more saturated than the portrait's own lips and skin."""
    lip, skin = np.clip(lip, 0, 1), np.clip(skin, 0, 1)
    g = _grey(skin)
    teeth_level = float(np.clip(0.55 + 0.5 * g, 0.6, 0.93))
    teeth = np.clip(teeth_level + 0.6 * (skin - g), 0.0, 1.0)
    return {"cavity": lip * 0.2, "deep": lip * 0.08, "gum": lip * 0.75, "tongue": lip * 0.62,
            "teeth": teeth, "teeth_gap": teeth * 0.85}   # gaps as faint lines: dark ones read as piano keys


def texture(lip: np.ndarray | None = None, skin: np.ndarray | None = None, size: int = SIZE,
            teeth: bool = True) -> np.ndarray:
    """size x size x 4 RGBA in 0..1 (rows bottom-up), quantised to 8-bit levels."""
    pal = palette(DEFAULT_LIP if lip is None else lip, DEFAULT_SKIN if skin is None else skin)
    c = (np.arange(size) + 0.5) / size
    uu, vv = np.meshgrid(c, c)                           # vv: 0 at the bottom row
    side = np.abs(uu - 0.5) * 2.0                        # 0 middle .. 1 corner
    depth = np.clip(1.0 - np.sqrt((side / 0.95) ** 2 + ((vv - 0.5) / 0.45) ** 2), 0.0, 1.0)
    rgb = pal["cavity"] + (pal["deep"] - pal["cavity"]) * depth[..., None]
    tongue = ((uu - 0.5) / 0.40) ** 2 + ((vv + 0.05) / 0.42) ** 2 < 1.0
    shade = (0.75 + 0.25 * np.clip(1.0 - side, 0, 1))[..., None]
    rgb = np.where(tongue[..., None], pal["tongue"] * shade * (0.7 + 0.3 * np.clip(0.4 - vv, 0, 1) / 0.4)[..., None],
                   rgb)
    if teeth:
        rgb = _teeth(rgb, uu, vv, side, pal)
    img = np.ones((size, size, 4))
    img[..., :3] = np.round(np.clip(rgb, 0.0, 1.0) * 255.0) / 255.0
    return img


def _teeth(rgb, uu, vv, side, pal):
    """Upper teeth hang from the top edge (under a thin gum line), lower teeth stand on the bottom edge,
    both fading into the dark towards the corners."""
    turn = np.clip(1.0 - side / 0.78, 0.0, 1.0) ** 0.6          # teeth turn away from the light sideways
    col = (np.abs(((uu - 0.5) * 8.0) % 1.0 - 0.5) < 0.045)     # gaps between the incisors
    tooth = np.where(col[..., None], pal["teeth_gap"], pal["teeth"]) * (0.55 + 0.45 * turn)[..., None]
    upper = (vv > 0.70) & (vv < 0.97) & (side < 0.8)
    edge = np.clip((vv - 0.70) / 0.06, 0, 1) * np.clip((0.97 - vv) / 0.02, 0, 1)
    a = (edge * np.clip((0.8 - side) / 0.15, 0, 1))[..., None] * upper[..., None]
    rgb = rgb + (tooth - rgb) * a
    gum = (vv >= 0.97)
    rgb = np.where(gum[..., None] & (side < 0.8)[..., None], pal["gum"] * (0.5 + 0.5 * turn)[..., None], rgb)
    lower = (vv < 0.16) & (vv > 0.02) & (side < 0.55)
    edge = np.clip((0.16 - vv) / 0.05, 0, 1) * np.clip((vv - 0.02) / 0.02, 0, 1)
    a = (0.8 * edge * np.clip((0.55 - side) / 0.15, 0, 1))[..., None] * lower[..., None]
    return rgb + (tooth * 0.85 - rgb) * a


def rgb8_top_down(img: np.ndarray) -> np.ndarray:
    """The texture as H x W x 3 uint8 with row 0 at the top (image order)."""
    return np.round(img[::-1, :, :3] * 255.0).astype(np.uint8)


def teeth_texture(lip: np.ndarray | None = None, skin: np.ndarray | None = None, width: int = SIZE,
                  height: int = SIZE // 2) -> np.ndarray:
    """The two teeth strips (RGBA 0..1, rows bottom-up, 8-bit levels): upper teeth in the top half
    (gum at the top edge), lower teeth in the bottom half (gum at the bottom edge); incisors in the
    middle, turning darker towards the corners."""
    pal = palette(DEFAULT_LIP if lip is None else lip, DEFAULT_SKIN if skin is None else skin)
    u = (np.arange(width) + 0.5) / width
    v = (np.arange(height) + 0.5) / height
    uu, vv = np.meshgrid(u, v)
    side = np.abs(uu - 0.5) * 2.0
    turn = (0.12 + 0.88 * np.clip(1.0 - side, 0.0, 1.0) ** 0.8)[..., None]   # into the dark at the corners
    gaps = np.abs(((uu - 0.5) * 8.0) % 1.0 - 0.5) < 0.04
    rgb = np.where(gaps[..., None], pal["teeth_gap"], pal["teeth"]) * turn
    upper = vv > 0.5
    t = np.where(upper, (vv - 0.5) / 0.5, (0.5 - vv) / 0.5)      # 0 at the biting edge .. 1 at the gum
    rgb = rgb * (0.88 + 0.12 * np.clip(t / 0.25, 0, 1))[..., None]   # the biting edge a little darker
    rgb = np.where((t > 0.82)[..., None], pal["gum"] * turn, rgb)
    rgb = np.where(upper[..., None], rgb, rgb * 0.85)                 # the lower teeth in more shadow
    img = np.ones((height, width, 4))
    img[..., :3] = np.round(np.clip(rgb, 0.0, 1.0) * 255.0) / 255.0
    return img
