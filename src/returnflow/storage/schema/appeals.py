"""Appeals of rejections, failed inspections and partial offers (issue 12, migration 0017)."""

from __future__ import annotations
