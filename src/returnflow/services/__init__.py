"""Use cases: each function does one job inside a unit of work the caller commits."""
