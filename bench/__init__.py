"""Load benchmarks (not part of the test suite): `make bench-tickets`, docs/PERFORMANCE.md."""
