"""Unit tests of the durable runner's pure parts: the checkpoint codec, rows and events, leases."""
