"""The I/O edge: adapter contracts (``base``), the shared HTTP layer (``http``), the
registry (``registry``) and the built-in adapters (``ci/``, ``monitoring/``, ``deploy/``).

Nothing is imported here: an adapter module is imported only when a config uses its
type (the registry loads it through its entry point), so a cockpit watching GitHub and
Prometheus never imports the Kubernetes code.
"""
