"""Layer 3: running work — specs, dispatch, executors, resilience, dead letters, the ledger."""

__all__: list[str] = []
