"""Adapters to the operating system: git, processes, paths, logging, gc, notify_command."""
