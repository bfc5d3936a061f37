"""Animate Portrait (MakeItTalk for Blender): a talking head from one portrait and a speech recording.

The package's `core` needs no bpy (client, polling, track maths); the `blender` layer is imported only
when Blender registers the add-on, so plain Python can use `core`.
"""

_modules = []


def register():
    import bpy

    from .blender import character_ops, character_panel, character_props, operators, panels, preferences, properties

    for cls in properties.CLASSES + preferences.CLASSES + operators.CLASSES + panels.CLASSES + \
            character_props.CLASSES + character_ops.CLASSES + character_panel.CLASSES:
        bpy.utils.register_class(cls)
    properties.register()
    character_props.register()
    _modules[:] = [properties, preferences, operators, panels]


def unregister():
    import bpy

    from .blender import (character_ops, character_panel, character_props, operators, panels, preferences,
                          properties, runtime, server_process)

    runtime.clear()
    server_process.stop()
    character_props.unregister()
    properties.unregister()
    for cls in reversed(properties.CLASSES + preferences.CLASSES + operators.CLASSES + panels.CLASSES +
                        character_props.CLASSES + character_ops.CLASSES + character_panel.CLASSES):
        bpy.utils.unregister_class(cls)
    _modules.clear()
