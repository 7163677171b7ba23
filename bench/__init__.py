"""Benchmarks: each script runs its peer on the same data in the same run and prints the ratio."""
