"""The page `serve` gives browsers loads nothing from outside the server."""

from __future__ import annotations

import re

from release_cockpit.cli.serve import PAGE_TEMPLATES

# src=, href= and url() targets, and @import: every way a page pulls in another asset.
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


def test_every_asset_of_the_page_comes_from_this_server():
    page = (PAGE_TEMPLATES / "app_index.html").read_text(encoding="utf-8")
    targets = [a or b for a, b in ASSET.findall(page)]
    assert targets, "the page links no asset at all?"
    for target in targets:
        assert target.startswith("{{ config.static.url }}"), target
    assert "@import" not in page
    assert "fonts/RobotoMono-VariableFont_wght.ttf" in page


def test_the_fonts_the_page_names_ship_with_textual_serve():
    from pathlib import Path

    import textual_serve

    static = Path(textual_serve.__file__).parent / "static"
    page = (PAGE_TEMPLATES / "app_index.html").read_text(encoding="utf-8")
    for name in re.findall(r"fonts/([\w.-]+\.ttf)", page):
        assert (static / "fonts" / name).is_file(), name
