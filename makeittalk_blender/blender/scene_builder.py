"""The names callers used before the scene builder was split by concern (see each module)."""

from __future__ import annotations

from .camera import ensure_camera, setup_look  # noqa: F401
from .face_keys import SLIDER, UNIT_FRACTION  # noqa: F401
from .landmark_edit import place_landmarks, read_landmarks  # noqa: F401
from .materials import MOUTH_COLOUR, mouth_image, mouth_material, portrait_material  # noqa: F401
from .mesh import build_mesh, triangulate  # noqa: F401
from .objects import ROLE, find_role, load_image, new_object  # noqa: F401
from .rig import build_rest  # noqa: F401
from .takes import build_scene, next_take_name  # noqa: F401
