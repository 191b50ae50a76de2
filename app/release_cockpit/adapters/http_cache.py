"""Caches behind conditional GETs: ETag + body per (token, URL), parsed values per URL.

GitHub answers a matching ``If-None-Match`` with a 304 that is free against the quota,
but only for the token that got the ETag (ETags change with the token:
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api,
"Use conditional requests if appropriate"), so entries are keyed by a fingerprint of the
token, never the token itself. A 304
also means "nothing changed", so adapters reuse the domain values parsed last time.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

T = TypeVar("T")

CACHE_SIZE = 512
"""Entries kept per backend; the oldest go first (a poll touches a few dozen URLs)."""


def token_fingerprint(token: str | None) -> str:
    """A short hash that tells tokens apart without revealing them."""
    if not token:
        return "anonymous"
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CachedBody:
    """What a 304 stands for: the ETag as received (weak ones too), the body, its links."""

    etag: str
    data: Any
    links: Mapping[str, str]


class _Lru(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class EtagCache:
    """ETag and decoded body per (token fingerprint, full URL with query)."""

    def __init__(self, token: str | None, size: int = CACHE_SIZE) -> None:
        self._fingerprint = token_fingerprint(token)
        self._entries = _Lru(size)

    def get(self, url: str) -> CachedBody | None:
        entry = self._entries.get((self._fingerprint, url))
        if entry is not None:
            self._entries.move_to_end((self._fingerprint, url))
        return cast(CachedBody | None, entry)

    def put(self, url: str, entry: CachedBody) -> None:
        self._entries.keep((self._fingerprint, url), entry)


class Answer(Protocol):
    """A decoded response as the parse cache sees it (``http.JsonResponse``)."""

    @property
    def url(self) -> str: ...
    @property
    def changed(self) -> bool: ...
    @property
    def data(self) -> Any: ...


class ParseCache:
    """Parsed domain values per URL, so a 304 reuses them instead of parsing again."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._values = _Lru(size)

    def value(self, answer: Answer, parse: Callable[[Any], T]) -> T:
        """The parsed value of an answer: the cached one when unchanged, else parsed now."""
        if not answer.changed and answer.url in self._values:
            self._values.move_to_end(answer.url)
            return cast(T, self._values[answer.url])
        parsed = parse(answer.data)
        self._values.keep(answer.url, parsed)
        return parsed
