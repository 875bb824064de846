"""Product pictures from the order import (issue 16): validated at import, fetched once by
the worker over real HTTP (a stand-in image host in a thread), served local with cache
headers; a failing host is tried a bounded number of times, then the line has no picture."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.demo.catalog import MERCHANTS
from returnflow.demo.product_tiles import store_tiles
from returnflow.domain.orders import OrderLine
from returnflow.domain.product_images import MAX_FETCH_ATTEMPTS, image_key
from returnflow.integrations.product_images import HttpImageFetcher, ImageRefused
from returnflow.jobs import product_images as image_jobs
from returnflow.jobs.outbox import DispatchReport, OutboxDispatcher
from returnflow.jobs.worker import Worker
from returnflow.services import product_images
from returnflow.services.orders import import_order
from returnflow.storage.schema import OutboxRow
from tests.domain.builders import make_line, make_order
from tests.support.apps import shared_app
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]


def _picture(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


PNG = _picture("PNG")
# path → (status, content type, body); anything else is a 404
ANSWERS: dict[str, tuple[int, str, bytes]] = {
    "/ok.png": (200, "image/png", PNG),
    "/big.png": (200, "image/png", PNG + b"\0" * (2 * 1024 * 1024)),
    "/page": (200, "text/html", b"<html></html>"),
    "/fake.png": (200, "image/png", b"\x89PNG not really"),
    "/gif": (200, "image/png", _picture("GIF")),  # declared PNG, Pillow reads a GIF
    "/endless.png": (200, "image/png", PNG + b"\0" * (2 * 1024 * 1024)),  # no length given
    "/busy.png": (503, "text/plain", b"busy"),
}


class _ImageHost(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/ok.png")
            self.end_headers()
            return
        status, content_type, body = ANSWERS.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if self.path != "/endless.png":  # HTTP/1.0: the body then ends when the host closes
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def fetcher() -> Iterator[HttpImageFetcher]:
    with HttpImageFetcher(timeout=3, allow_private=True) as local:
        yield local


def test_the_fetcher_keeps_only_real_small_pictures(host: str, fetcher: HttpImageFetcher) -> None:
    image = fetcher.fetch(f"{host}/ok.png")
    assert (image.data, image.content_type) == (PNG, "image/png")
    assert fetcher.fetch(f"{host}/moved").data == PNG  # a redirect is followed
    for path, why in [
        ("/big.png", "larger than"),  # said so in Content-Length
        ("/endless.png", "larger than"),  # counted while reading
        ("/page", "not a JPEG, PNG or WebP: text/html"),
        ("/fake.png", "not a readable"),
        ("/gif", "not a JPEG, PNG or WebP picture: GIF"),
        ("/gone.png", "HTTP 404"),
    ]:
        with pytest.raises(ImageRefused, match=why):
            fetcher.fetch(host + path)
    with HttpImageFetcher(timeout=3) as public_only, pytest.raises(ImageRefused, match="public"):
        public_only.fetch(f"{host}/ok.png")  # the platform's own network is off limits


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://img.example.com/a.png", "image_url_scheme"),
        ("javascript:alert(1)", "image_url_scheme"),
        ("https://" + "a" * 1995 + ".png", "image_url_too_long"),
        ("https://user:secret@img.example.com/a.png", "image_url_invalid"),
        ("https:///a.png", "image_url_invalid"),
    ],
)
def test_a_bad_image_url_is_refused_with_its_code(
    client: TestClient, order_payload: OrderPayload, url: str, code: str
) -> None:
    body = order_payload()
    body["lines"][1]["image_url"] = url
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["field"]) == (code, "lines.1.image_url")


def _fetch_jobs(context: AppContext) -> list[dict[str, Any]]:
    with context.uow() as uow:
        query = select(OutboxRow.payload).where(OutboxRow.topic == product_images.FETCH_TOPIC)
        return list(uow.session.scalars(query))


def test_import_stores_the_url_and_asks_once_per_picture(
    context: AppContext, client: TestClient, order_payload: OrderPayload
) -> None:
    url = "https://img.example.com/bottle-240.png"
    body = order_payload()
    for line in body["lines"]:
        line["image_url"] = url  # two lines, one picture
    assert client.post("/api/v1/orders", json=body).status_code == 201
    assert client.post("/api/v1/orders", json=body).status_code == 200  # again: no new job
    assert _fetch_jobs(context) == [{"key": image_key(url)}]
    with context.uow() as uow:
        order = uow.orders.get("SO-1001")
        assert order is not None and {line.image_url for line in order.lines} == {url}
        assert product_images.image_path(uow, order.lines[0]) is None  # not fetched yet


def _import(context: AppContext, now: datetime, *urls: str) -> tuple[OrderLine, ...]:
    lines = tuple(replace(make_line(n), image_url=url) for n, url in enumerate(urls, start=1))
    with context.uow() as uow:
        order = make_order(*lines)
        import_order(uow, order, now)
        product_images.request_images(uow, order, now)
        uow.commit(now)
    return lines


def _run(context: AppContext, fetcher: HttpImageFetcher, now: datetime) -> DispatchReport:
    consumers = image_jobs.consumers(context, fetcher)
    return OutboxDispatcher(context.session_factory, consumers).run_once(now)


def test_the_worker_fetches_and_the_route_serves_the_copy(
    context: AppContext, clock: FakeClock, host: str, fetcher: HttpImageFetcher
) -> None:
    assert product_images.FETCH_TOPIC in Worker(context).dispatcher.consumers
    line, refused = _import(context, clock.now, f"{host}/ok.png", f"{host}/page")
    assert _run(context, fetcher, clock.now) == DispatchReport(sent=2)
    with context.uow() as uow:
        path = product_images.image_path(uow, line)
        assert product_images.image_paths(uow, [line, refused]) == {1: path}
    assert path == f"/images/products/{image_key(line.image_url or '')}"
    with TestClient(shared_app(context)) as browser:
        answer = browser.get(path)
        assert (answer.status_code, answer.content) == (200, PNG)
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        again = browser.get(path, headers={"If-None-Match": answer.headers["etag"]})
        assert (again.status_code, again.content) == (304, b"")
        refused_path = f"/images/products/{image_key(refused.image_url or '')}"
        assert browser.get(refused_path).status_code == 404
        assert browser.get("/images/products/not-a-key").status_code == 404


def test_a_failing_host_is_tried_a_few_times_then_the_line_has_no_picture(
    context: AppContext, clock: FakeClock, host: str, fetcher: HttpImageFetcher
) -> None:
    (line,) = _import(context, clock.now, f"{host}/busy.png")
    reports = []
    for _ in range(MAX_FETCH_ATTEMPTS + 1):
        reports.append(_run(context, fetcher, clock.now))
        clock.advance(hours=1)  # past the outbox's backoff
    retried = DispatchReport(retried=1)
    assert reports == [retried] * (MAX_FETCH_ATTEMPTS - 1) + [DispatchReport(sent=1)] + [
        DispatchReport()
    ]
    with context.uow() as uow:
        assert product_images.image_path(uow, line) is None


def test_the_demo_serves_its_own_tiles(context: AppContext, clock: FakeClock) -> None:
    stored = store_tiles(context, clock.now)
    assert stored == sum(len(merchant.products) for merchant in MERCHANTS)
    product = MERCHANTS[0].products[0]
    line = replace(make_line(1), image_url=product.image_url)
    with context.uow() as uow:
        path = product_images.image_path(uow, line)
    assert path is not None
    with TestClient(shared_app(context)) as browser:
        answer = browser.get(path)
    assert answer.status_code == 200 and answer.content.startswith(b"\x89PNG")
