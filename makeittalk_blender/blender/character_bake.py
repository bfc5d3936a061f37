"""Apply to character, the bpy half: fill a character's mapping, bake a take onto its shape keys or
actions as an NLA track, timeline markers, and the take (track) the panel works from.

Scene frame of time t is 1 + t * scene fps (the portrait's takes start at frame 1 too). Shape keys
get sparse keys (only where a weight's slope changes; linear in between) in an action pushed onto an
NLA track of the mesh's Key; actions/poses get one NLA strip per mouth shape on the object.
Re-applying the same take replaces its own NLA track and nothing else.
"""

from __future__ import annotations

import dataclasses
import json

import bpy
import numpy as np

from ..core import trackformat
from ..core.exports import retarget, timeline
from . import compat, track_export
from .objects import find_role

MARKER_PREFIX = "MIT "
_LINEAR = 1          # index of 'LINEAR' in Keyframe.interpolation's items


class CharacterError(ValueError):
    """Shown to the user as it is."""


def source_names(ob, drive: str) -> list[str]:
    if drive == "ACTIONS":
        return [a.name for a in bpy.data.actions if not a.name.startswith("MIT ")]
    keys = ob.data.shape_keys if ob is not None and getattr(ob.data, "shape_keys", None) else None
    if keys is None:
        return []
    return [kb.name for kb in keys.key_blocks if kb != keys.reference_key]


def fill_mapping(ob, kind: str, drive: str) -> tuple[str, int]:
    """Rebuild ob's mapping table from its names; returns (the set used, how many shapes matched)."""
    names = source_names(ob, drive)
    if kind == "AUTO":
        kind = retarget.guess_kind(names)
    found = retarget.match(kind, names)
    ob.makeittalk_map.clear()
    for target in retarget.SETS[kind]:
        item = ob.makeittalk_map.add()
        item.target, item.source, item.factor = target, found.get(target, ""), 1.0
    ob.makeittalk_map_kind = kind
    return kind, len(found)


def mapping_of(ob, drive: str) -> tuple[dict, list[str]]:
    """({target: (source, factor)} usable now, [targets missing on the character])."""
    have = set(source_names(ob, drive))
    use, missing = {}, []
    for item in ob.makeittalk_map:
        if item.source and item.source in have:
            use[item.target] = (item.source, item.factor)
        else:
            missing.append(item.target)
    return use, missing


def needed(track, kind: str, missing: list[str]) -> list[str]:
    """The missing shapes this take would move (weight above 1 %), in the set's order."""
    w = retarget.weights(track, kind)
    names = retarget.SETS[kind]
    return [t for t in missing if t in names and float(w[:, names.index(t)].max()) > 0.01]


def take_track(scene, settings) -> trackformat.Track:
    """The track to apply or export: a file, or the scene's take (its phones when it kept them)."""
    if settings.source == "FILE":
        if not settings.track_path:
            raise CharacterError("choose a track file, or use the scene's take")
        return trackformat.load(bpy.path.abspath(settings.track_path))
    track = track_export.track_from_scene(scene)
    ob = find_role(scene, "portrait")
    try:
        phones = json.loads(ob.get("track_phones", "[]"))
        words = json.loads(ob.get("track_words", "[]"))
    except ValueError:
        phones, words = [], []
    if phones or words:
        track = dataclasses.replace(track, phones=phones, words=words, channels=track.channels)
    return track


def _frames(scene, times: np.ndarray) -> np.ndarray:
    return 1.0 + np.asarray(times) * compat.scene_fps(scene)


def _replace_track(ad, name: str):
    for old in [t for t in ad.nla_tracks if t.name == name]:
        ad.nla_tracks.remove(old)
    tr = ad.nla_tracks.new()
    tr.name = name
    return tr


def _strip(tr, name: str, start: float, action, sink):
    st = tr.strips.new(name, int(round(start)), action)
    if sink is not None and sink.slot is not None and hasattr(st, "action_slot"):
        st.action_slot = sink.slot           # slotted actions (4.4+): the strip plays our slot
    st.use_auto_blend = False
    st.blend_in = st.blend_out = 0.0
    return st


def bake_shape_keys(scene, ob, track, kind: str, use: dict, take: str) -> int:
    """One action of sparse keys on ob's shape keys, as NLA track `take`. Returns the keys written."""
    key = ob.data.shape_keys
    names = retarget.SETS[kind]
    weights = retarget.weights(track, kind)
    times = timeline.frame_times(track)
    action = bpy.data.actions.new(f"{take} {ob.name}")
    sink = compat.ChannelSink(action, "KEY", ob.name)
    count, sources = 0, {}
    for target, (src, factor) in use.items():
        sources.setdefault(src, np.zeros(len(times)))
        sources[src] = np.maximum(sources[src], factor * weights[:, names.index(target)])
    for src, w in sources.items():
        keys = np.asarray(timeline.sparse_keys(np.clip(w, 0, 1), times, eps=1e-3), dtype=np.float64)
        fc = sink.new_fcurve(f'key_blocks["{bpy.utils.escape_identifier(src)}"].value', 0, kind.title())
        fc.keyframe_points.add(len(keys))
        co = np.empty(2 * len(keys))
        co[0::2], co[1::2] = _frames(scene, keys[:, 0]), keys[:, 1]
        fc.keyframe_points.foreach_set("co", co)
        fc.keyframe_points.foreach_set("interpolation", [_LINEAR] * len(keys))
        fc.update()
        count += len(keys)
    ad = key.animation_data or key.animation_data_create()
    _strip(_replace_track(ad, take), take, 1, action, sink)
    return count


def bake_actions(scene, ob, track, kind: str, use: dict, take: str) -> int:
    """One NLA strip per mouth shape (its action or pose held to the next shape). Returns the strips."""
    ad = ob.animation_data or ob.animation_data_create()
    tr = _replace_track(ad, take)
    segs = retarget.cue_segments(track, kind)
    made, last_end = 0, -1e9
    for a, b, shape in segs:
        if shape not in use:
            continue
        fa, fb = _frames(scene, [a, b])
        fa = max(fa, last_end + 1)
        if fb - fa < 1:                        # shorter than a frame: the previous shape goes on
            continue
        action = bpy.data.actions[use[shape][0]]
        st = _strip(tr, shape, fa, action, None)
        st.influence = min(1.0, use[shape][1])
        st.use_animated_influence = False
        st.action_frame_end = st.action_frame_start + (fb - 0.01 - st.frame_start)
        st.extrapolation = "HOLD_FORWARD"
        last_end = st.frame_end
        made += 1
    return made


def add_markers(scene, track) -> int:
    """Markers named 'MIT <word>' (or 'MIT <phone>' without words); earlier ones are replaced, the
    takes' 'MIT check ...' markers (stretches to look at) are kept."""
    from .takes import MARKER_PREFIX as CHECK

    for m in [m for m in scene.timeline_markers if m.name.startswith(MARKER_PREFIX)
              and not m.name.startswith(CHECK + " ")]:
        scene.timeline_markers.remove(m)
    items = [(w["start"], w["word"]) for w in track.words] or \
        [(p["start"], p["phone"]) for p in track.phones if p["phone"] != "SIL"]
    for t, label in items:
        scene.timeline_markers.new(MARKER_PREFIX + label, frame=int(round(_frames(scene, [t])[0])))
    return len(items)
