"""Pure numpy/scipy algorithms, one package per family; no RPC, web, cache or logging concerns here.

Families: ``classification``, ``detection``, ``labeling`` and ``sampling``. Each package's ``__init__``
names what the ops seam may use; modules whose names start with ``_`` are private to their family, and
``_common`` holds what the families share. Import a family directly (``from curation.core import
detection``); this package exports only the finding record every family reports and the cooperative
cancellation the seam installs around a computation (``checkpoint`` in long loops), so importing one
family never pays for another.
"""

from __future__ import annotations

from curation.core._common.cancel import Cancelled, CancelToken, cancellable, checkpoint, current_token
from curation.core._common.findings import Finding

__all__ = ["CancelToken", "Cancelled", "Finding", "cancellable", "checkpoint", "current_token"]
