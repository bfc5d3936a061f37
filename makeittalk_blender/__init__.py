"""Animate Portrait (MakeItTalk for Blender): a talking head from one portrait and a speech recording.

The package's `core` needs no bpy (client, polling, track maths); the `blender` layer is imported only
when Blender registers the add-on, so plain Python can use `core`.
"""

_modules = []


def register():
    import bpy

    from .blender import operators, panels, preferences, properties

    for cls in properties.CLASSES + preferences.CLASSES + operators.CLASSES + panels.CLASSES:
        bpy.utils.register_class(cls)
    properties.register()
    _modules[:] = [properties, preferences, operators, panels]


def unregister():
    import bpy

    from .blender import operators, panels, preferences, properties, runtime, server_process

    runtime.clear()
    server_process.stop()
    properties.unregister()
    for cls in reversed(properties.CLASSES + preferences.CLASSES + operators.CLASSES + panels.CLASSES):
        bpy.utils.unregister_class(cls)
    _modules.clear()
