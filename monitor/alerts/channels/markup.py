"""Data in chat markup, shown as itself: it never formats, links, lists or mentions anything.

Monitor, column and category names and summaries reach Slack mrkdwn and Teams
Adaptive Card Markdown. Neither has an escape character for its formatting
characters (a backslash shows as a backslash), so each is replaced by a character
that looks the same and that the receiver does not interpret (docs/reference.md,
"Data in chat messages"): ``*`` -> ``∗``, ``_`` -> ``ˍ`` (unless between letters or digits, as in
``account_age_days``, where neither reads it as emphasis), ``~`` -> ``∼``, a backtick -> ``ˋ``,
``@`` -> ``＠``, ``[``/``]`` -> ``［``/``］``, ``://`` -> ``:∕∕`` (no link is made of
data). Line breaks and other control characters become spaces, so data never
starts a line, a list item or a quote. Our own formatting is added around the
escaped data by the channels.
"""

from __future__ import annotations

import re

_COMMON = {
    "*": "\u2217",  # ASTERISK OPERATOR
    "~": "\u223c",  # TILDE OPERATOR
    "`": "\u02cb",  # MODIFIER LETTER GRAVE ACCENT
    "@": "\uff20",  # FULLWIDTH COMMERCIAL AT: no @here, @channel or @someone
    "[": "\uff3b",  # FULLWIDTH brackets: no [text](url)
    "]": "\uff3d",
}
_SLACK = str.maketrans(_COMMON)
_TEAMS = str.maketrans({**_COMMON, "<": "\uff1c", ">": "\uff1e", "#": "\uff03"})
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")  # "_" not between two letters/digits
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SCHEME = re.compile(r"://")
# what Markdown would read as a list item at the start of a line (``*`` and ``>`` are replaced anyway)
_LINE_START = re.compile(r"^(\s*)(?:([-+])(?=\s)|(\d+)\.(?=\s))")


def _flat(text: str) -> str:
    text = _SCHEME.sub(":\u2215\u2215", _CONTROL.sub(" ", text))
    return _EDGE_UNDERSCORE.sub("\u02cd", text)  # MODIFIER LETTER LOW MACRON


def slack_data(text: str) -> str:
    """``text`` for a Slack mrkdwn object: entities for ``& < >`` (Slack's control characters,
    so no ``<!here>`` or ``<@U123>``), look-alikes for the formatting characters."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _flat(escaped).translate(_SLACK)


def teams_data(text: str) -> str:
    """``text`` for an Adaptive Card TextBlock or fact (Teams' Markdown subset)."""
    return _LINE_START.sub(_unlist, _flat(text).translate(_TEAMS))


def _unlist(match: re.Match[str]) -> str:
    space, bullet, number = match.groups()
    if bullet is not None:
        return space + {"-": "\u2010", "+": "\uff0b"}[bullet]  # HYPHEN, FULLWIDTH PLUS
    return space + number + "\u2024"  # ONE DOT LEADER
