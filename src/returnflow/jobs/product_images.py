"""The outbox consumer that fetches product pictures (issue 16, topic `product_image.fetch`).

Off the request path: the import only stored the URL and this job. No transaction is
open while the picture downloads; what came of it is recorded after. A passing failure
raises, so the outbox tries again with its backoff, until the picture has been tried
`MAX_FETCH_ATTEMPTS` times (domain/product_images.py); a final refusal (too large, not a
picture, not found) is recorded at once. Either way the line then shows no picture.
"""

from __future__ import annotations

import logging
from typing import Any

from returnflow.app_context import AppContext
from returnflow.integrations.product_images import (
    HttpImageFetcher,
    ImageFetcher,
    ImageRefused,
    ImageUnavailable,
)
from returnflow.jobs.outbox import Consumer
from returnflow.services import product_images
from returnflow.services.product_images import FETCH_TOPIC

log = logging.getLogger("returnflow.product_images")


class FetchAgain(Exception):
    """The picture could not be fetched this time; the outbox will try again."""


def consumers(context: AppContext, fetcher: ImageFetcher | None = None) -> dict[str, Consumer]:
    """`fetcher`: None builds the HTTP one (public hosts only) when first needed."""
    built: list[ImageFetcher] = [fetcher] if fetcher is not None else []

    def source() -> ImageFetcher:
        if not built:
            built.append(HttpImageFetcher())
        return built[0]

    def fetch(topic: str, payload: dict[str, Any]) -> None:
        del topic
        key = str(payload.get("key", ""))
        with context.uow() as uow:
            url = product_images.waiting_url(uow, key)
        if url is None:
            return
        try:
            image = source().fetch(url)
        except ImageRefused as refused:
            _record_miss(context, key, str(refused), final=True)
            return
        except ImageUnavailable as error:
            if _record_miss(context, key, str(error), final=False):
                raise FetchAgain(str(error)) from error
            return
        now = context.clock()
        with context.uow() as uow:
            product_images.fetched(uow, key, image.data, image.content_type, now)
            uow.commit(now)

    return {FETCH_TOPIC: fetch}


def _record_miss(context: AppContext, key: str, reason: str, *, final: bool) -> bool:
    log.info("product picture %s not fetched: %s", key[:12], reason)
    now = context.clock()
    with context.uow() as uow:
        again = product_images.missed(uow, key, reason, final=final, now=now)
        uow.commit(now)
    return again
