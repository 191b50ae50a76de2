"""Headless commands (`status`, `check`): the CLI layer's printers, no Textual."""
