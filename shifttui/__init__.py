"""shifttui: supervised shifts of Claude Code on your projects, from the terminal."""

__version__ = "0.1.0"
