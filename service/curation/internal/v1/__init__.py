"""Generated protobuf stubs for ``proto/curation/internal/v1`` (regenerate with ``make proto``)."""
