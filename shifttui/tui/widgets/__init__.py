"""Reusable widgets of the shifttui app."""
