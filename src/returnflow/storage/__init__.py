"""Persistence: tables, repositories and the unit of work (SQLAlchemy 2, sync)."""
