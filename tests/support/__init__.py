"""Helpers the tests share: clocks, worlds, builders, fakes, fault and integration servers.

Everything a test module imports besides the product, the simulated world and libraries
comes from here. conftest.py files hold fixtures only (which may use these helpers), and
no module imports from a conftest.py or a test module; tests/test_test_layout.py checks it.
"""
