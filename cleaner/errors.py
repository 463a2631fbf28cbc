"""Exceptions with messages that name the file, line and key at fault."""

from __future__ import annotations


class CleanerError(Exception):
    """Base class for errors reported to users without a traceback."""


class ConfigError(CleanerError):
    """A configuration or rule-pack file is invalid."""

    def __init__(
        self, message: str, file: str | None = None, line: int | None = None, key: str | None = None
    ) -> None:
        self.file, self.line, self.key, self.message = file, line, key, message
        where = ""
        if file:
            where = str(file) + (f":{line}" if line else "") + ": "
        if key:
            where += f"{key}: "
        super().__init__(where + message)


class InputError(CleanerError):
    """An input file cannot be read at all."""
