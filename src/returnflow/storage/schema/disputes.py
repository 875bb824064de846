"""Disputes: both sides' evidence, deadlines, agreements and rulings (issue 12, migration 0018)."""

from __future__ import annotations
