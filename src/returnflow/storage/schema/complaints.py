"""Complaints: intake, deadlines, handling, satisfaction (issue 12, migration 0016)."""

from __future__ import annotations
