"""Hostile and broken input, faults, and the public face (issue 7)."""
