"""Runnable examples (each runs in the test suite); a package so that ``examples.orders`` imports."""
