"""Names and data as text that cannot change the structure of a line (docs/reference.md, "Names").

A log line, an error message or a chat message interpolates names from the config and
column names or categories from the data. A newline, a carriage return, an escape
sequence or a bidirectional override in one of them could forge a line or hide text, so
every character ``str.isprintable`` refuses is written as a Python escape instead.
"""

from __future__ import annotations

import re

_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char.isprintable():
        return char
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape_control(text: str) -> str:
    """``text`` with every non-printable character (controls, line and paragraph separators,
    format characters such as U+202E) written as an escape; printable text is unchanged."""
    if text.isprintable():
        return text
    return _NOT_PRINTABLE.sub(_escape_one, text)


def name_problem(name: str, max_length: int) -> str | None:
    """Why ``name`` cannot be a monitor, channel or column name, or None when it can."""
    if not name or not name.strip():
        return "a name must not be empty or blank"
    if len(name) > max_length:
        return f"a name is at most {max_length} characters (this one has {len(name)})"
    if not name.isprintable():
        return f"{escape_control(name)!r} holds a control or invisible character"
    return None
