"""Fitted label models kept in the store by ID: a caller refers to them later, so they are never evicted.

``FitLabelModel`` keeps what ``PredictLabelModel`` needs (the ``FittedLabelModel`` payload without its
predictions) under ``{namespace}:model:{model_id}``, sealed in a signed envelope: it is read back as a
trusted message, so a value forged or altered in the store is refused like a forged cache entry. The
model ID is the fit's cache key digest, so fitting the same request again (a cache hit) gives the same
ID and puts the same bytes: a kept model costs its size once. ``DeleteLabelModel`` frees it.
"""

from __future__ import annotations

import logging
from typing import Final

from google.protobuf.message import DecodeError

from curation.errors import InvalidArgument, NotFound
from curation.internal.v1 import labeling_pb2 as ipb
from curation.ops.envelopes import Rejected
from curation.ops.operation_spec import Host

__all__ = ["check_model_id", "delete_model", "keep_model", "load_model", "model_key"]

log = logging.getLogger("curation.ops")

# The envelope's operation: fixed (not the fit's algorithm version), so a kept model stays readable.
MODEL_OPERATION: Final = "curation.v1.LabelingFunctionService/FitLabelModel#model"


def check_model_id(model_id: str) -> str:
    """The ID if it has the shape FitLabelModel returns (64 lowercase hex digits)."""
    if len(model_id) != 64 or any(ch not in "0123456789abcdef" for ch in model_id):
        raise InvalidArgument("must be the model_id returned by FitLabelModel", field="model_id")
    return model_id


def model_key(namespace: str, model_id: str) -> str:
    return f"{namespace}:model:{model_id}"


async def keep_model(host: Host, namespace: str, model_id: str, payload: ipb.FittedLabelModel) -> None:
    """Store the fitted model under its ID (``StorageFull`` when the store is at its budget)."""
    kept = ipb.FittedLabelModel()
    kept.CopyFrom(payload)
    kept.ClearField("predictions")
    key = model_key(namespace, model_id)
    sealed = host.envelopes.seal(
        operation=MODEL_OPERATION, key_digest=model_id, key=key, payload=kept.SerializeToString()
    )
    await host.store.put_many({key: sealed})


async def load_model(host: Host, namespace: str, model_id: str) -> ipb.FittedLabelModel:
    """The model kept under ``model_id`` in ``namespace`` (``NotFound`` when never fitted or deleted)."""
    key = model_key(namespace, model_id)
    raw = await host.store.get(key)
    if raw is None:
        raise NotFound(
            f"no fitted label model {model_id!r} (never fitted here, or deleted)", field="model_id"
        )
    try:
        return ipb.FittedLabelModel.FromString(
            host.envelopes.open(raw, operation=MODEL_OPERATION, key_digest=model_id, key=key)
        )
    except (Rejected, DecodeError) as error:
        reason = error.reason if isinstance(error, Rejected) else "corrupt"
        log.warning("rejected a stored label model", extra={"model_id": model_id, "reason": reason})
        raise NotFound(
            f"the stored label model {model_id!r} failed verification ({reason}); fit it again",
            field="model_id",
        ) from None


async def delete_model(host: Host, namespace: str, model_id: str) -> bool:
    """Forget the model; whether one was kept under that ID."""
    return await host.store.delete_many([model_key(namespace, model_id)]) > 0
