"""Keeping a backend's secret out of everything it sends back.

A proxy's debug page or a backend's error may echo the Authorization header, and not
always verbatim: cut short, lowercased, or base64-encoded (a Basic header). Whatever the
cockpit shows, logs or exports starts from a response body or header, so bodies are
scrubbed once, as they arrive, of:

- any run of 8 or more characters of a secret, in any letter case;
- the base64 forms of a secret (standard and URL-safe, at every alignment), in runs of 8
  or more characters of the encoding.

Shorter fragments are left alone: 7 characters of a 40-character token give nothing away,
and blanking every short match would blank ordinary words. So are fragments with little
variety (fewer than 4 different characters, or only digits): a key ending in
``0000000000000000`` must not blank the zeros of every timestamp in a JSON answer (that
turned valid answers into "not valid JSON"); the secret as a whole is always scrubbed.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from ahocorasick_rs import BytesAhoCorasick

WINDOW = 8
REDACTED = b"[redacted]"


def _telling(fragment: bytes) -> bool:
    """A fragment that could only come from the secret, not from ordinary data."""
    return len(set(fragment.lower())) >= 4 and not fragment.isdigit()


def _windows(text: bytes) -> set[bytes]:
    """The whole secret, and its 8-character runs that tell it apart from data."""
    if len(text) < WINDOW - 2:
        return set()
    runs = {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)}
    return {text} | {run for run in runs if _telling(run)}


def _encoded_cores(secret: bytes) -> set[bytes]:
    """The parts of the secret's base64 forms that do not depend on neighbouring bytes.

    A secret inside a longer encoded value ("user:token") starts at any of three byte
    alignments; for each, the characters fully determined by the secret are kept."""
    cores: set[bytes] = set()
    for offset in range(3):
        padded = b"\0" * offset + secret
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(padded).rstrip(b"=")
            start = -(-offset * 4 // 3)  # characters that mix in the filler bytes
            end = (len(padded) * 4) // 3  # the last character may mix in what follows
            cores.add(encoded[start : max(start, end - 1)])
    return {core for core in cores if len(core) >= WINDOW}


class Scrubber:
    """Finds a set of secrets, and their near misses, in response bytes."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        secrets = tuple(secrets)
        self._given = frozenset(hash(s) for s in secrets if s)
        plain: set[bytes] = set()
        encoded: set[bytes] = set()
        for secret in secrets:
            if not secret or len(secret) < WINDOW - 2:
                continue  # too short to tell from ordinary text; real secrets are longer
            raw = secret.encode()
            plain |= _windows(raw)
            for core in _encoded_cores(raw):
                encoded |= _windows(core)
        # Letter case is ignored by lowering both sides (ASCII, as a secret in a header is).
        self._plain = self._automaton({n.lower() for n in plain})
        self._encoded = self._automaton(encoded - plain)

    @staticmethod
    def _automaton(needles: set[bytes]) -> BytesAhoCorasick | None:
        """One pass over a body finds every needle at every position, overlapping ones too
        (Aho-Corasick, https://github.com/G-Research/ahocorasick_rs): a regex alternation
        of the ~200 windows took 50 ms per 150 KB answer, more than the rest of a poll."""
        if not needles:
            return None
        return BytesAhoCorasick(sorted(needles))

    def scrubs(self, secret: str) -> bool:
        """Whether ``secret`` is one this scrubber was made for (a refreshed credential
        needs a new scrubber)."""
        return hash(secret) in self._given

    @property
    def active(self) -> bool:
        return self._plain is not None or self._encoded is not None

    def scrub(self, data: bytes) -> bytes:
        """``data`` with every run of a secret (or its near misses) replaced."""
        spans: list[tuple[int, int]] = []
        if self._plain is not None:
            found = self._plain.find_matches_as_indexes(data.lower(), overlapping=True)
            spans += [(start, end) for _, start, end in found]
        if self._encoded is not None:
            found = self._encoded.find_matches_as_indexes(data, overlapping=True)
            spans += [(start, end) for _, start, end in found]
        if not spans:
            return data
        spans.sort()
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out = bytearray()
        last = 0
        for start, end in merged:
            out += data[last:start] + REDACTED
            last = end
        out += data[last:]
        return bytes(out)

    def scrub_text(self, text: str) -> str:
        """The same for text (a header value, a message built from one)."""
        if not self.active:
            return text
        return self.scrub(text.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")
