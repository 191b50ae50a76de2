"""Deploy targets: adapters that report rollout state and perform control actions."""
