"""Raises ``KeyboardInterrupt`` from its own import code (no signal involved)."""

raise KeyboardInterrupt
