"""Add-on preferences: where the server is, its token, how to start it, optional checkpoints."""

from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..core.client import DEFAULT_URL

ADDON_ID = __package__.rsplit(".", 1)[0]      # "bl_ext.<repo>.makeittalk" or "makeittalk_blender"


class MITPreferences(bpy.types.AddonPreferences):
    bl_idname = ADDON_ID

    server_url: StringProperty(name="Server address", default=DEFAULT_URL,
                               description="Address of the MakeItTalk server (local by default)")
    token: StringProperty(name="Token", default="", subtype="PASSWORD",
                          description="Token the server was started with (leave empty when none)")
    server_python: StringProperty(name="Server Python", default="", subtype="FILE_PATH",
                                  description="Python of the server's virtual environment (set by install.py); "
                                  "'Start server' runs 'python -m makeittalk_server.cli serve'")
    checkpoints_dir: StringProperty(name="MakeItTalk checkpoints", default="", subtype="DIR_PATH",
                                    description="Folder with the official MakeItTalk checkpoint files "
                                    "(optional: the default engine needs none)")

    def draw(self, context):
        col = self.layout.column()
        col.prop(self, "server_url")
        col.prop(self, "token")
        col.prop(self, "server_python")
        col.prop(self, "checkpoints_dir")


class _Defaults:
    """Preferences when the add-on runs without being enabled through Blender (the command line)."""

    server_url = DEFAULT_URL
    token = ""
    server_python = ""
    checkpoints_dir = ""


def get(context=None):
    context = context or bpy.context
    addon = context.preferences.addons.get(ADDON_ID) if context and context.preferences else None
    return addon.preferences if addon is not None and addon.preferences is not None else _Defaults()


CLASSES = (MITPreferences,)
