"""Generated protobuf and gRPC stubs for ``proto/curation/v1`` (regenerate with ``make proto``)."""
