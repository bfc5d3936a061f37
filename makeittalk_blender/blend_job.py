"""`python -m makeittalk_blender.blend_job TRACK PORTRAIT AUDIO OUT.blend`: one batch line's .blend.

Blender as a module (bpy) builds the add-on's scene from the track file (as Import track does: mesh,
shape-key take, head rig, camera, sound strip) and saves it, ready for `blender -b OUT.blend -a` or a
render farm. Needs no server. It lives on the add-on's side (like headless.py): the server package
imports nothing of the add-on but its pure core.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: blend_job TRACK PORTRAIT AUDIO OUT.blend", file=sys.stderr)
        return 2
    track_path, portrait, audio, out = argv
    try:
        import bpy
    except ImportError:
        print("Blender as a module (bpy) is not installed in this Python", file=sys.stderr)
        return 1
    from . import register, unregister
    from .blender import compat, scene_builder
    from .core import trackfile

    bpy.ops.wm.read_factory_settings(use_empty=True)
    register()
    try:
        scene = bpy.context.scene
        scene["makeittalk_owned"] = True          # made for this line: the add-on may set it up
        track = trackfile.load(track_path)
        scene_builder.build_scene(scene, track, portrait, audio)
        ob = scene_builder.find_role(scene, "portrait")
        w, h = ob["image_size"]
        scene_builder.ensure_camera(scene, int(w), int(h), 512)
        compat.use_video_output(scene)
        scene.render.filepath = "//" + Path(out).name.replace(".part", "").rsplit(".", 1)[0] + ".mp4"
        bpy.ops.wm.save_as_mainfile(filepath=out)
    finally:
        unregister()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
