"""Flag sources: adapters that report feature-flag state per environment (and switch flags)."""
