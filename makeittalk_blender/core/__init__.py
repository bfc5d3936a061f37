"""Pure logic of the add-on: no bpy here, so plain pytest (and the command line) can use it."""
