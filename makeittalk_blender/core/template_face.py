"""A standard frontal 68-point face for portraits where no face is found (cartoons, sketches).

Made once from a dlib detection, levelled (eyes horizontal) and mirror-averaged so it is symmetric.
Units: jaw width (point 0 to 16) = 1, origin at the middle of the face, y down like image pixels.
The inner lips are parted slightly so no two points coincide.
"""

from __future__ import annotations

import numpy as np

TEMPLATE_68 = (
    (-0.5000, -0.3108),
    (-0.4964, -0.1765),
    (-0.4825, -0.0455),
    (-0.4479, 0.0889),
    (-0.3893, 0.2094),
    (-0.3065, 0.3091),
    (-0.2066, 0.3813),
    (-0.1033, 0.4397),
    (0.0000, 0.4568),
    (0.1033, 0.4397),
    (0.2066, 0.3813),
    (0.3065, 0.3091),
    (0.3893, 0.2094),
    (0.4479, 0.0889),
    (0.4825, -0.0455),
    (0.4964, -0.1765),
    (0.5000, -0.3108),
    (-0.4033, -0.4081),
    (-0.3241, -0.4462),
    (-0.2379, -0.4568),
    (-0.1449, -0.4500),
    (-0.0655, -0.4054),
    (0.0655, -0.4054),
    (0.1449, -0.4500),
    (0.2379, -0.4568),
    (0.3241, -0.4462),
    (0.4033, -0.4081),
    (0.0000, -0.3089),
    (0.0000, -0.2055),
    (0.0000, -0.1022),
    (0.0000, 0.0012),
    (-0.0792, 0.0393),
    (-0.0448, 0.0634),
    (0.0000, 0.0772),
    (0.0448, 0.0634),
    (0.0792, 0.0393),
    (-0.2896, -0.3187),
    (-0.2344, -0.3394),
    (-0.1689, -0.3395),
    (-0.1137, -0.2947),
    (-0.1758, -0.2878),
    (-0.2413, -0.2877),
    (0.1137, -0.2947),
    (0.1689, -0.3395),
    (0.2344, -0.3394),
    (0.2896, -0.3187),
    (0.2413, -0.2877),
    (0.1758, -0.2878),
    (-0.1551, 0.1603),
    (-0.0896, 0.1497),
    (-0.0379, 0.1392),
    (0.0000, 0.1531),
    (0.0379, 0.1392),
    (0.0896, 0.1497),
    (0.1551, 0.1603),
    (0.0930, 0.2083),
    (0.0413, 0.2323),
    (0.0000, 0.2358),
    (-0.0413, 0.2323),
    (-0.0930, 0.2083),
    (-0.1310, 0.1671),
    (-0.0414, 0.1677),
    (0.0000, 0.1746),
    (0.0414, 0.1677),
    (0.1310, 0.1671),
    (0.0379, 0.1797),
    (0.0000, 0.1866),
    (-0.0379, 0.1797),
)


def template_landmarks(width: int, height: int, face_fraction: float = 0.45) -> np.ndarray:
    """The template as 68 x 3 pixels, centred on the image, jaw as wide as face_fraction of the
    smaller side (a usual head-and-shoulders framing)."""
    t = np.asarray(TEMPLATE_68, dtype=np.float64)
    size = face_fraction * min(width, height)
    xy = t * size + np.array([width / 2.0, height / 2.0])
    return np.concatenate([xy, np.zeros((68, 1))], axis=1)
