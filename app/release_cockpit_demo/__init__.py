"""A simulated release world served over real HTTP on loopback, for `release-cockpit demo`.

It speaks the GitHub Actions, Prometheus, Alertmanager and Kubernetes (Argo Rollouts) wire
formats, so the demo exercises the cockpit's real adapters. Standard library only (no
Textual, no httpx), except graphql-core, which runs GitHub's GraphQL queries.

- ``DemoServer``: the world behind an HTTP server (``start()``, ``stop()``, ``url``).
- ``demo_config_text``: the cockpit config that points at a running server.
- ``World``: the simulation itself, with an injectable clock, for tests.
"""

from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from release_cockpit_demo.world import World

__all__ = ["DemoServer", "World", "demo_config_text"]
