"""The landmark track file, as the add-on names it: one definition lives in core/trackformat.py
(shared with the server); this module keeps the add-on's names for it."""

from .trackformat import (FORMAT, POSE_KEYS, READS, STABLE_POINTS, VERSION, Track, TrackData,  # noqa: F401
                          TrackError, TrackFileError, apply_pose, as_68x3, dumps, fit_head_pose, from_dict,
                          from_npz, head_pivot, load, loads, n_frames_for, pose_matrix, remove_pose, resample,
                          save, to_dict, to_npz, validate)
