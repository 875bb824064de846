"""Files the API and the pages hand out: one way to answer with a download.

A download names itself in `Content-Disposition` so the browser saves it rather than
showing it; the service decides the bytes, the media type and the name.
"""

from __future__ import annotations

from starlette.responses import Response


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    """`content` as a download saved under `filename` (a name the service made safe)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=media_type, headers=headers)
