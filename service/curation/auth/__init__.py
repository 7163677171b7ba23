"""Authentication and authorization: API keys and JWT bearer tokens to a :class:`Principal`.

Protocol-neutral (no gRPC or web imports): the ops seam's entry (``curation.ops.access``) calls the
:class:`Authenticator` for both adapters.
"""

from curation.auth.authenticator import ANONYMOUS, Authenticator
from curation.auth.principal import ALL_SCOPES, Principal, Scope

__all__ = ["ALL_SCOPES", "ANONYMOUS", "Authenticator", "Principal", "Scope"]
