"""Unit tests of ``spine.orchestration``: steps, composition, the IR, the engine, the runner."""
