"""The scrubber blanks a secret, cut, recased or base64-encoded, and leaves data alone."""

from __future__ import annotations

import base64
import json

from release_cockpit.adapters.scrub import REDACTED, Scrubber

TOKEN = "ghp_9fKq2LmX7vTz4RbN8sWc1YdE6hJ0aUoP3iGk"


def test_the_whole_secret_and_a_cut_or_recased_run_are_blanked():
    scrubber = Scrubber([TOKEN])
    body = f"auth={TOKEN} cut={TOKEN[5:17]} upper={TOKEN.upper()}".encode()
    scrubbed = scrubber.scrub(body)
    assert TOKEN[5:13].encode() not in scrubbed
    assert TOKEN.upper()[10:18].encode() not in scrubbed
    assert scrubbed.count(REDACTED) == 3


def test_a_basic_header_echoed_back_is_blanked():
    scrubber = Scrubber([TOKEN])
    encoded = base64.b64encode(f"robot:{TOKEN}".encode())
    assert encoded[12:40] not in scrubber.scrub(b"Authorization: Basic " + encoded)


def test_a_low_variety_tail_does_not_blank_numbers_in_the_data():
    # A demo key ending in zeros once blanked every timestamp of a Datadog answer.
    key = "demo-api-key-0000000000000000"
    body = json.dumps({"times": [1733000000000, 1733000000000], "key": key}).encode()
    scrubbed = Scrubber([key]).scrub(body)
    assert b"1733000000000" in scrubbed
    assert key.encode() not in scrubbed
    assert b"-key-0000" not in scrubbed


def test_short_or_missing_secrets_scrub_nothing():
    scrubber = Scrubber([None, "", "abc"])
    assert not scrubber.active
    assert scrubber.scrub(b"abc abc") == b"abc abc"
