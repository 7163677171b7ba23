"""``/docs`` renders with the network unplugged: every asset the page names is served by the service.

The page and each file it loads are fetched from the app; a page naming any other host would stay blank
on an air-gapped cluster, so no ``http(s)://`` URL may appear in it at all.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx

EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Links(HTMLParser):
    """Every ``src`` and ``href`` in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in {"src", "href"} and value)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


async def test_docs_page_loads_only_assets_the_service_serves(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert re.findall(r"(?:https?:)?//[^\s'\"<>]+", page.text) == []
    urls = links_of(page.text)
    assert {url.rsplit(".", 1)[-1] for url in urls} == {"js", "css", "png"}
    for url in urls:
        assert url.startswith("/docs/assets/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(EXPECTED_TYPES[suffix]), url
        assert len(asset.content) > 500, url


async def test_docs_page_reads_the_served_openapi_document(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    [spec_url] = re.findall(r"url: '([^']+)'", page.text)
    spec = await client.get(spec_url)
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.")
    assert '"validatorUrl": null' in page.text  # no badge fetched from validator.swagger.io


async def test_no_redoc_and_no_listing_of_the_assets(client: httpx.AsyncClient) -> None:
    assert (await client.get("/redoc")).status_code == 404
    assert (await client.get("/docs/assets/")).status_code == 404
