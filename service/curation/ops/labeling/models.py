"""Fitted label models kept in the store by ID: a caller refers to them later, so they are never evicted.

``FitLabelModel`` keeps what ``PredictLabelModel`` needs (the ``FittedLabelModel`` payload without its
predictions) under ``{namespace}:model:{digest}`` (the fit's cache key digest), sealed in a signed
envelope: it is read back as a trusted message, so a value forged or altered in the store is refused like
a forged cache entry. Fitting the same request again (a cache hit) puts the same bytes under the same key:
a kept model costs its size once. ``DeleteLabelModel`` frees it.

The ID a caller gets is the base64url of ``curation.internal.v1.LabelModelId``: the digest bound to the
tenant by an HMAC with the server secret (``curation.ops.bindings``). An ID that does not verify for
the caller's tenant - another tenant's, altered or made up - is ``NotFound`` with the same message as an
ID whose model was deleted, so no answer tells whether another tenant has a model. So is an ID of the
64-hex-digit shape IDs had before they were bound: nothing can verify whose it was, which is exactly the
case of a foreign ID, and the remedy is the same - fit again, which gives the bound ID of the same kept
model (same digest, same store key). Text that is no model ID at all is ``InvalidArgument``: its shape
alone decides, so it says nothing about any model.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from typing import Final

from google.protobuf.message import DecodeError

from curation.errors import InvalidArgument, NotFound
from curation.internal.v1 import labeling_pb2 as ipb
from curation.ops.envelopes import Rejected
from curation.ops.operation_spec import Host

__all__ = [
    "MODEL_NOT_FOUND",
    "delete_model",
    "issue_model_id",
    "keep_model",
    "load_model",
    "model_digest",
    "model_key",
]

log = logging.getLogger("curation.ops")

# The envelope's operation: fixed (not the fit's algorithm version), so a kept model stays readable.
MODEL_OPERATION: Final = "curation.v1.LabelingFunctionService/FitLabelModel#model"
# The MAC's purpose (``TenantBindings``), and the one answer to an ID with no model of the caller's.
_PURPOSE: Final = "label-model"
MODEL_NOT_FOUND: Final = "no such fitted label model (never fitted here, or deleted)"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_MAX_ID_CHARS: Final = 512


def issue_model_id(host: Host, tenant: str, digest: str) -> str:
    """The ID ``FitLabelModel`` returns for the model kept under ``digest`` in ``tenant``."""
    key_id, mac = host.bindings.sign(_PURPOSE, tenant, digest.encode())
    raw = ipb.LabelModelId(key_digest=digest, key_id=key_id, mac=mac).SerializeToString()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def model_digest(host: Host, tenant: str, model_id: str) -> str:
    """The digest a model ID names, if it was issued to ``tenant`` (rules: the module docstring)."""
    if _DIGEST.fullmatch(model_id):  # an ID from before IDs were bound
        raise NotFound(MODEL_NOT_FOUND, field="model_id")
    parsed = _parse(model_id)
    digest = parsed.key_digest
    if not host.bindings.verify(parsed.key_id, parsed.mac, _PURPOSE, tenant, digest.encode()):
        raise NotFound(MODEL_NOT_FOUND, field="model_id")
    return digest


def _parse(model_id: str) -> ipb.LabelModelId:
    """The ``LabelModelId`` ``model_id`` encodes; ``InvalidArgument`` when it is not one."""
    try:
        if len(model_id) > _MAX_ID_CHARS:
            raise ValueError("too long")
        parsed = ipb.LabelModelId.FromString(base64.urlsafe_b64decode(model_id + "=" * (-len(model_id) % 4)))
    except (binascii.Error, ValueError, DecodeError):
        parsed = None
    if parsed is None or not _DIGEST.fullmatch(parsed.key_digest) or not parsed.key_id or not parsed.mac:
        raise InvalidArgument("must be the model_id returned by FitLabelModel", field="model_id")
    return parsed


def model_key(namespace: str, digest: str) -> str:
    return f"{namespace}:model:{digest}"


async def keep_model(host: Host, namespace: str, digest: str, payload: ipb.FittedLabelModel) -> None:
    """Store the fitted model under its digest (``StorageFull`` when the store is at its budget)."""
    kept = ipb.FittedLabelModel()
    kept.CopyFrom(payload)
    kept.ClearField("predictions")
    key = model_key(namespace, digest)
    sealed = host.envelopes.seal(
        operation=MODEL_OPERATION, key_digest=digest, key=key, payload=kept.SerializeToString()
    )
    await host.store.put_many({key: sealed})


async def load_model(host: Host, namespace: str, digest: str) -> ipb.FittedLabelModel:
    """The model kept under ``digest`` in ``namespace`` (``NotFound`` when never fitted or deleted)."""
    key = model_key(namespace, digest)
    raw = await host.store.get(key)
    if raw is None:
        raise NotFound(MODEL_NOT_FOUND, field="model_id")
    try:
        return ipb.FittedLabelModel.FromString(
            host.envelopes.open(raw, operation=MODEL_OPERATION, key_digest=digest, key=key)
        )
    except (Rejected, DecodeError) as error:
        reason = error.reason if isinstance(error, Rejected) else "corrupt"
        log.warning("rejected a stored label model", extra={"model_digest": digest, "reason": reason})
        raise NotFound(
            f"the stored label model failed verification ({reason}); fit it again", field="model_id"
        ) from None


async def delete_model(host: Host, namespace: str, digest: str) -> bool:
    """Forget the model; whether one was kept under that digest."""
    return await host.store.delete_many([model_key(namespace, digest)]) > 0
