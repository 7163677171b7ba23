"""``python -m curation`` / ``curation-serve``: read the environment, serve gRPC and REST until SIGTERM."""

from __future__ import annotations

import asyncio
import logging

from curation.logs import configure_logging
from curation.server import serve
from curation.settings import Settings

__all__ = ["main"]


def main() -> None:
    """Entry point: JSON logs, settings from ``CURATION_*``, both servers; exit 0 after a clean stop,
    1 when a port cannot be bound, 2 for bad configuration."""
    configure_logging()
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        logging.getLogger("curation.server").error("bad configuration: %s", exc)
        raise SystemExit(2) from None
    logging.getLogger().setLevel(settings.log_level)
    try:
        status = asyncio.run(serve(settings))
    except OSError as exc:  # a port in use, an address that does not exist here
        logging.getLogger("curation.server").error("could not start: %s", exc)
        status = 1
    raise SystemExit(status)


if __name__ == "__main__":
    main()
