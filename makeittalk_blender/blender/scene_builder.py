"""The scene of DESIGN.md from a portrait and a track.

Objects (found again by their "makeittalk" role, so a new take never duplicates them):
  MIT Portrait   Delaunay mesh of landmarks + face ring + image border, UV-mapped, unlit image colours,
                 mouth material inside the inner lips; shape keys lm00.x .. lm67.y carry the expression
                 (one per landmark and image axis, grouped by region) plus semantic keys; a Hook
                 modifier ties landmarks and face ring to the head.
  MIT Head       an Empty at the face's pivot: its location / Y rotation / scale are the head motion.
  MIT Landmarks  the 68 rest points to correct in Edit Mode before animating (hidden in renders).
  MIT Camera     orthographic, framing the portrait at its aspect ratio.
"""

from __future__ import annotations

# The scene is built by one module per concern; this module keeps the names callers use.
from .camera import ensure_camera, setup_look  # noqa: F401
from .landmark_edit import place_landmarks, read_landmarks  # noqa: F401
from .materials import MOUTH_COLOUR, mouth_image, mouth_material, portrait_material  # noqa: F401
from .mesh import build_mesh, triangulate  # noqa: F401
from .objects import ROLE, find_role, load_image, new_object  # noqa: F401
from .rig import build_rest  # noqa: F401
from .takes import SLIDER, UNIT_FRACTION, build_scene, next_take_name  # noqa: F401
