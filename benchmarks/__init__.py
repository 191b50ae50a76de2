"""Benchmarks: scripts that print one JSON line each (see the README, "Benchmarks")."""
