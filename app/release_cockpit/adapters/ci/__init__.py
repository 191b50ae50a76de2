"""CI sources: adapters that report pipeline runs, jobs and steps."""
