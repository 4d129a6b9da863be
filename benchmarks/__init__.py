"""Benchmarks of shifttui against the bare SDK on the same machine (run `python -m benchmarks.X`).

They are not tests: each prints its figures, and with `--json` prints one JSON object as its last
line. See docs/PERFORMANCE.md for the targets and the latest figures.
"""
