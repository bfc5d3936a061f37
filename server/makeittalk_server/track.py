"""The landmark track, as the server names it: one definition lives in the add-on's pure module
makeittalk_blender/core/trackformat.py (numpy + stdlib; packaged with the server), so both sides read
and write exactly the same format."""

from makeittalk_blender.core.trackformat import (FORMAT, POSE_KEYS, READS, STABLE_POINTS, VERSION,  # noqa: F401
                                                 Track, TrackError, apply_pose, as_68x3, dumps, fit_head_pose,
                                                 from_dict, from_npz, head_pivot, load, loads, n_frames_for,
                                                 pose_matrix, remove_pose, resample, save, to_dict, to_npz,
                                                 validate)
