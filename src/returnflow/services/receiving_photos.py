"""Photos taken at the dock and the inspection bench (R5.1, R5.2): limits and keeping.

The limits are the customers' (at most 9 photos, 10 MB each, checked by content in
`storage/photos.py`); a receipt takes up to four mismatches with photos each. Photos
are written before the transaction that records them, so `SavedPhotos` remembers
their names and removes them again when that transaction does not commit.
"""

from __future__ import annotations

from returnflow.storage.photos import MAX_BYTES, MAX_PHOTOS, PhotoStore

__all__ = ["FORM_BODY", "MAX_BYTES", "MAX_PHOTOS", "RECEIPT_BODY", "SavedPhotos"]

FORM_BODY = (MAX_PHOTOS + 1) * MAX_BYTES  # one set of photos and the form's own fields
RECEIPT_BODY = (4 * MAX_PHOTOS + 1) * MAX_BYTES  # up to four mismatches with photos each


class SavedPhotos:
    """Photos written for one step; `discard` removes them if the step was not stored."""

    def __init__(self, store: PhotoStore) -> None:
        self.store = store
        self.names: list[str] = []

    def check(self, files: list[tuple[str, bytes]]) -> None:
        """Refuse the lot (too many, too large, not a picture) before anything is written."""
        self.store.check_all(files)

    def save(self, files: list[tuple[str, bytes]]) -> tuple[str, ...]:
        if not files:
            return ()
        names = self.store.save_all(files)
        self.names.extend(names)
        return tuple(names)

    def discard(self) -> None:
        self.store.discard(self.names)
        self.names = []
