"""Screens and modals of the shifttui app."""
