"""Model diagnostics and data curation, one core served over gRPC and REST.

Importing this package is cheap: it loads neither numpy nor any server, so clients can import the
generated stubs in ``curation.v1`` alone.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
