"""Health and alert sources: adapters that report signal values and active alerts."""
