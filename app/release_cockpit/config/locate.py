"""Map every key path of a TOML document to the line it is written on.

``tomllib`` returns plain dicts without positions, so this module re-scans the text. It runs
only after ``tomllib`` accepted the text, so it can be lenient: it never reports errors, it
only needs to follow the grammar closely enough to know where each key starts.

Key paths join table names and keys with dots and number arrays of tables from zero:
``backends.github.url``, ``services.checkout.signals[1].fail_above``,
``services.checkout.alerts.matchers[0]``. A table header's line is recorded under the table's
own path, so a missing key can point at the header of the table it belongs in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SCALAR_END = frozenset(",]}#\n")


def join(path: str, key: str) -> str:
    """The key path of ``key`` inside the table at ``path`` (``""`` is the root)."""
    return f"{path}.{key}" if path else key


class KeyLines(Mapping[str, int]):
    """``locate_keys`` computed on first use: lines are needed only to report a problem,
    and scanning a large config costs more than parsing it (most of start-up's config
    time on a 50-service file)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: dict[str, int] | None = None

    def _found(self) -> dict[str, int]:
        if self._lines is None:
            self._lines = locate_keys(self._text)
        return self._lines

    def __getitem__(self, key: str) -> int:
        return self._found()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())

    def __contains__(self, key: object) -> bool:
        return key in self._found()


def locate_keys(text: str) -> dict[str, int]:
    """Every key path in ``text`` (already valid TOML) mapped to its 1-based line number."""
    scanner = _Scanner(text)
    scanner.document()
    return scanner.lines


class _Scanner:
    """A single pass over the text that records where keys, headers and array items start."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[str, int] = {}
        self.table = ""
        # Resolved path of an array of tables -> how many [[...]] headers it has had so far.
        self.arrays: dict[str, int] = {}

    def peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.text[index] if index < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self.pos < len(self.text):
                if self.text[self.pos] == "\n":
                    self.line += 1
                self.pos += 1

    def record(self, path: str, line: int) -> None:
        """Remember ``path`` and the implicit tables above it (first mention wins for those)."""
        self.lines[path] = line
        cut = max(path.rfind("."), path.rfind("["))
        while cut > 0:
            path = path[:cut]
            self.lines.setdefault(path, line)
            cut = max(path.rfind("."), path.rfind("["))

    def skip_space(self, *, newlines: bool) -> None:
        while True:
            char = self.peek()
            if char in (" ", "\t", "\r") or (newlines and char == "\n"):
                self.advance()
            elif char == "#":
                while self.peek() not in ("", "\n"):
                    self.advance()
            else:
                return

    def document(self) -> None:
        while True:
            self.skip_space(newlines=True)
            if not self.peek():
                return
            if self.peek() == "[":
                self.header()
            else:
                self.pair(self.table)

    def header(self) -> None:
        line = self.line
        is_array = self.peek(1) == "["
        self.advance(2 if is_array else 1)
        parts = self.key()
        self.skip_space(newlines=False)
        self.advance(2 if is_array else 1)
        path = ""
        for index, part in enumerate(parts):
            path = join(path, part)
            if index == len(parts) - 1 and is_array:
                count = self.arrays.get(path, 0)
                self.arrays[path] = count + 1
                path = f"{path}[{count}]"
            elif path in self.arrays:
                # A sub-table of an array of tables belongs to that array's latest element.
                path = f"{path}[{self.arrays[path] - 1}]"
        self.table = path
        self.record(path, line)

    def key(self) -> list[str]:
        """A possibly dotted, possibly quoted key; returns its parts."""
        parts: list[str] = []
        while True:
            self.skip_space(newlines=False)
            char = self.peek()
            if char in ('"', "'"):
                parts.append(self.quoted(char))
            else:
                start = self.pos
                while self.peek() and self.peek() in _BARE:
                    self.advance()
                parts.append(self.text[start : self.pos])
            self.skip_space(newlines=False)
            if self.peek() != ".":
                return parts
            self.advance()

    def quoted(self, quote: str) -> str:
        """A single-line string; returns its content (escapes kept as written)."""
        self.advance()
        start = self.pos
        while self.peek() and self.peek() != quote:
            if quote == '"' and self.peek() == "\\":
                self.advance()
            self.advance()
        content = self.text[start : self.pos]
        self.advance()
        return content

    def pair(self, table: str) -> None:
        line = self.line
        path = table
        for part in self.key():
            path = join(path, part)
        self.record(path, line)
        self.skip_space(newlines=False)
        self.advance()  # the "="
        self.skip_space(newlines=False)
        self.value(path)

    def value(self, path: str) -> None:
        char = self.peek()
        if char == "{":
            self.inline_table(path)
        elif char == "[":
            self.array(path)
        elif char in ('"', "'"):
            if self.text.startswith(char * 3, self.pos):
                self.multiline_string(char)
            else:
                self.quoted(char)
        else:
            while self.peek() and self.peek() not in _SCALAR_END:
                self.advance()

    def multiline_string(self, quote: str) -> None:
        self.advance(3)
        while self.peek():
            if quote == '"' and self.peek() == "\\":
                self.advance(2)
                continue
            if self.text.startswith(quote * 3, self.pos):
                self.advance(3)
                # Up to two more quotes may close the string: """a""""" is 'a""'.
                while self.peek() == quote:
                    self.advance()
                return
            self.advance()

    def inline_table(self, path: str) -> None:
        self.advance()
        while True:
            self.skip_space(newlines=True)
            char = self.peek()
            if char in ("}", ""):
                self.advance()
                return
            if char == ",":
                self.advance()
                continue
            self.pair(path)

    def array(self, path: str) -> None:
        self.advance()
        index = 0
        while True:
            self.skip_space(newlines=True)
            char = self.peek()
            if char in ("]", ""):
                self.advance()
                return
            if char == ",":
                self.advance()
                index += 1
                continue
            item = f"{path}[{index}]"
            self.record(item, self.line)
            self.value(item)
