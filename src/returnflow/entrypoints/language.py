"""The user's language: Simplified Chinese unless the client prefers English."""

from __future__ import annotations

from starlette.requests import Request


def preferred_language(request: Request) -> str:
    explicit = request.query_params.get("lang") or request.cookies.get("lang")
    if explicit in ("zh", "en"):
        return explicit
    header = request.headers.get("accept-language", "")
    best, best_q = "zh", -1.0
    for part in header.split(","):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag.startswith(("en", "zh")) and q > best_q:
            best, best_q = tag[:2], q
    return best
