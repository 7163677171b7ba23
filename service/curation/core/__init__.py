"""Pure numpy/scipy algorithms, one package per family; no RPC, web, cache or logging concerns here.

Families: ``classification``, ``detection``, ``labeling`` and ``sampling``. Each package's ``__init__``
names what the ops seam may use; modules whose names start with ``_`` are private to their family, and
``_common`` holds what the families share. Import a family directly (``from curation.core import
detection``); this package exports only the finding record every family reports, so importing one
family never pays for another.
"""

from __future__ import annotations

from curation.core._common.findings import Finding

__all__ = ["Finding"]
