"""Thin bpy layers of the add-on: registration, UI, and the scene builder."""
