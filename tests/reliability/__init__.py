"""Crash and recovery tests: real processes killed at random points."""
