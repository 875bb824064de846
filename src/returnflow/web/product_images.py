"""`GET /images/products/{key}`: the server's own copy of a product picture (issue 16).

Public (product pictures, named by the SHA-256 of their URL, carry nothing personal) so
the portal, the console and a phone's cache can all use them. A key names one fetched
copy that never changes, so the answer may be cached for a year (`immutable`); its
`ETag` is the bytes' SHA-256 and `If-None-Match` with it answers 304. Pages get these
addresses from `services.product_images.image_path`; the outside URL never reaches them.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.services import product_images
from returnflow.services.errors import NotFound

router = APIRouter(include_in_schema=False)
CACHE = "public, max-age=31536000, immutable"


@router.get("/images/products/{key}")
def product_image(key: str, request: Request, context: Context) -> Response:
    """The stored picture; 404 for an unknown key or one not (or never to be) fetched."""
    with context.uow() as uow:
        image = product_images.cached(uow, key)
    if image is None:
        raise NotFound("image_not_found", Text("找不到该图片", "The picture was not found"))
    etag = f'"{image.etag}"'
    headers = {"Cache-Control": CACHE, "ETag": etag}
    asked = request.headers.get("if-none-match", "")
    if etag in {tag.strip().removeprefix("W/") for tag in asked.split(",")} or asked == "*":
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.content_type, headers=headers)
