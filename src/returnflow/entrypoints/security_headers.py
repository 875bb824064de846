"""Security headers on every answer: what a browser may load, frame, sniff and send on.

- Content-Security-Policy: scripts only from our own files (`script-src 'self'`, no
  inline script or event-handler attributes anywhere in the templates), no plugins, no
  framing (`frame-ancestors 'none'`, and X-Frame-Options DENY for older browsers),
  forms post only to us. Styles may be inline: a few templates carry a `<style>` block,
  and styles cannot run code. A page may set its own policy (`/docs`, api/docs.py).
- X-Content-Type-Options nosniff: an uploaded photo is never run as script or page.
- Referrer-Policy no-referrer: a portal link is a secret in a URL (it opens the order
  for three days); no outside site may learn it from a Referer header.
- Cache-Control no-store on the console, the portal and the API: personal data and
  portal links stay out of shared and browser caches.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# a page may bring its own policy (the docs page allows its init script by hash)
DEFAULTS = ((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),)
# the same for every answer, whatever a route set (portal routes once set same-origin)
FORCED = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
PRIVATE_PREFIXES = ("/staff", "/portal", "/api")


def policy_with_scripts(policy: str, sources: list[str]) -> str:
    """The policy with `script-src` also allowing these sources (e.g. script hashes)."""
    parts = [part.strip() for part in policy.split(";")]
    return "; ".join(
        " ".join([part, *sources]) if part.startswith("script-src") else part for part in parts
    )


# public and cacheable although under /api: the return-policy summary (issue 15, R2.1)
PUBLIC_PATHS = frozenset({"/api/v1/policy/summary"})


def is_private(path: str) -> bool:
    if path in PUBLIC_PATHS:
        return False
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in PRIVATE_PREFIXES)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = is_private(scope["path"])

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _secured(message.get("headers", []), private)}
            await send(message)

        await self.app(scope, receive, with_headers)


def _secured(headers: list[tuple[bytes, bytes]], private: bool) -> list[tuple[bytes, bytes]]:
    replaced = {name for name, _ in FORCED}
    if private:
        replaced.add(b"cache-control")
    kept = [(name, value) for name, value in headers if name.lower() not in replaced]
    present = {name.lower() for name, _ in kept}
    kept += [(name, value) for name, value in DEFAULTS if name not in present]
    kept += FORCED
    if private:
        kept.append((b"cache-control", b"no-store"))
    return kept
