"""A stand-in for Blender's UILayout (none exists without a window) that checks what a panel names."""


class _Layout:
    """Stands in for UILayout (none exists without a window) and checks what the panel names."""

    def __init__(self, log):
        self.log = log
        self.enabled = True
        self.scale_y = 1.0

    def _child(self, *a, **k):
        return _Layout(self.log)
    row = column = box = _child

    def prop(self, data, name, **k):
        assert name in data.bl_rna.properties, f"panel shows a missing property {name}"
        self.log.append(("prop", name))

    def operator(self, idname, **k):
        cat, op = idname.split(".")
        assert hasattr(getattr(__import__("bpy").ops, cat), op), f"panel shows a missing operator {idname}"
        self.log.append(("op", idname))

    def label(self, text="", **k):
        self.log.append(("label", text))

    def progress(self, factor=0.0, type="BAR", text=""):
        self.log.append(("progress", round(factor, 2), text))
