"""The answer of a deprecated route (an old path kept for one release): the same answer as its successor,
with ``Deprecation: true`` and ``Link: <successor>; rel="successor-version"`` headers, errors included."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEPRECATION_HEADER", "Deprecated"]

DEPRECATION_HEADER = "deprecation"


class Deprecated:
    """ASGI app wrapping a route's app: every response it starts carries the deprecation headers."""

    def __init__(self, app: ASGIApp, successor: str) -> None:
        self.app = app
        self.headers = [
            (DEPRECATION_HEADER.encode(), b"true"),
            (b"link", f'<{successor}>; rel="successor-version"'.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *self.headers]}
            await send(message)

        await self.app(scope, receive, send_marked)
