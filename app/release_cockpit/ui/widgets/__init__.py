"""Widgets and the pure renderers behind them; none of them does I/O."""
