"""What the core families share: hashing, array aliases, the finding record, numba set-up."""
