"""Shared test set-up: Hypothesis profiles and the service gate for integration tests."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Deadlines measure the machine, not the code (2 shared cores in CI): off everywhere.
settings.register_profile("default", deadline=None, max_examples=100)
settings.register_profile("ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fast", deadline=None, max_examples=20)
settings.load_profile(os.environ.get("SPINE_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))
