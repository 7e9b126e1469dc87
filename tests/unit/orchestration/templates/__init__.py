"""Tests of spine.orchestration.templates."""
