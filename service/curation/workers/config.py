"""What a compute process is told when it starts (picklable: it crosses the ``spawn`` boundary)."""

from __future__ import annotations

from dataclasses import dataclass, field

from curation.errors import CurationError, ErrorKind
from curation.ops import BodyFormat
from curation.ops.envelopes import SigningKeys
from curation.settings import Settings

__all__ = ["DEFAULT_REGISTRY", "WorkerConfig", "error_of"]

DEFAULT_REGISTRY = "curation.ops.registry:all_specs"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """``registry`` and the ``codecs`` are ``module:attribute`` paths the process imports: the codecs of
    the adapters live above this package (the REST one in ``curation.rest``), so the server names them."""

    settings: Settings
    processes: int
    # The server's signing keys: every process seals and opens cache entries as the server does.
    signing_keys: SigningKeys
    # The server's store, as the processes see it through the pipe: its name and budget.
    store_name: str = "memory"
    store_max_bytes: int = 0
    codecs: dict[BodyFormat, str] = field(default_factory=dict)
    registry: str = DEFAULT_REGISTRY


def _kinds() -> dict[str, type[CurationError]]:
    table: dict[str, type[CurationError]] = {}
    stack: list[type[CurationError]] = [CurationError]
    while stack:
        cls = stack.pop()
        table.setdefault(cls.kind, cls)
        stack.extend(cls.__subclasses__())
    return table


def error_of(kind: str, message: str, field: str) -> CurationError:
    """The ``CurationError`` a compute process reported (kind, message, field), rebuilt in the server."""
    cls = _kinds().get(kind, CurationError) if kind in set(ErrorKind) else CurationError
    return cls(message, field=field)
