"""Shared types every layer may use: the data model, errors, the clock, the bus, settings."""
