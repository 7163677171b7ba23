"""Messages the service keeps for itself (cache and store records): never part of the public API."""
