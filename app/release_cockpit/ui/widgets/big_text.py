"""Words in large letters for the wall: a verdict readable across a room.

Each letter is a 5-pixel-high bitmap drawn with half blocks (``▀ ▄ █``), so a word takes
three rows; the ASCII form draws the same pixels with ``" _ #``. Only the letters the
wall's words need are here (FAILING, WAITING, WARNING, UNKNOWN, OK); anything else falls
back to the word in normal type, which is always shown beside it anyway.
"""

from __future__ import annotations

_FONT: dict[str, tuple[str, ...]] = {
    "A": (".##.", "#..#", "####", "#..#", "#..#"),
    "F": ("####", "#...", "###.", "#...", "#..."),
    "I": ("###", ".#.", ".#.", ".#.", "###"),
    "L": ("#...", "#...", "#...", "#...", "####"),
    "N": ("#..#", "##.#", "#.##", "#..#", "#..#"),
    "G": (".###", "#...", "#.##", "#..#", ".###"),
    "W": ("#...#", "#...#", "#.#.#", "##.##", "#...#"),
    "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "R": ("###.", "#..#", "###.", "#.#.", "#..#"),
    "K": ("#..#", "#.#.", "##..", "#.#.", "#..#"),
    "U": ("#..#", "#..#", "#..#", "#..#", ".##."),
    "O": (".##.", "#..#", "#..#", "#..#", ".##."),
    " ": ("..", "..", "..", "..", ".."),
}
_HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
_HALF_ASCII = {(True, True): "#", (True, False): '"', (False, True): "_", (False, False): " "}


def can_draw(word: str) -> bool:
    return bool(word) and all(char in _FONT for char in word.upper())


def width_of(word: str) -> int:
    return sum(len(_FONT[c][0]) + 1 for c in word.upper()) - 1


def big_word(word: str, *, ascii_only: bool = False) -> list[str]:
    """Three rows of text drawing ``word`` in large letters.

    Raises:
        ValueError: a letter has no large form (check ``can_draw`` first).
    """
    if not can_draw(word):
        raise ValueError(f"no large letters for {word!r}")
    pixels = ["", "", "", "", "", ""]
    for index, char in enumerate(word.upper()):
        glyph = _FONT[char]
        gap = "." if index else ""
        for row in range(5):
            pixels[row] += gap + glyph[row]
        pixels[5] += gap + "." * len(glyph[0])
    cells = _HALF_ASCII if ascii_only else _HALF
    return [
        "".join(
            cells[(top == "#", bottom == "#")]
            for top, bottom in zip(pixels[pair], pixels[pair + 1], strict=True)
        )
        for pair in (0, 2, 4)
    ]
