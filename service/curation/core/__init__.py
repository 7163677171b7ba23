"""Pure numpy/scipy algorithms, one module per family; no RPC, web, cache or logging concerns here.

Import the family modules directly (``from curation.core import classification``); this package
re-exports nothing so importing one family never pays for another.
"""
