"""The unit of work as services and entrypoints see it.

Entrypoints (`api/`, `web/`, `jobs/`) open one with `context.uow()` and hand it to a
service; they never reach into `storage/` themselves (import contract in
pyproject.toml). The class and its lost-race error are defined in `storage/uow.py`.
"""

from returnflow.storage.uow import ConcurrentUpdate, UnitOfWork

__all__ = ["ConcurrentUpdate", "UnitOfWork"]
