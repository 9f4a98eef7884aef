"""Benchmarks: scripts that print the figures Wayline is held to."""
