"""Shift ids: sortable by start time and readable ("20261121-185600-a1b2c3")."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def new_shift_id(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)
