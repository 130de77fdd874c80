"""Masking of secrets in everything monitor writes: logs, errors, the store, JSON.

Secrets are passwords in database URLs, webhook URLs (a Slack webhook URL *is*
the secret), tokens, routing keys and signing secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# user:password@ inside any URL-looking string
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")


def mask_url(url: str) -> str:
    """Keep scheme, host and port of a URL so a human can tell which endpoint it was."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if not parts.scheme or not parts.netloc:
        return MASK
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = "/" + MASK if parts.path not in ("", "/") else parts.path
    return urlunsplit((parts.scheme, host, path, "", ""))


def mask_database_url(url: str) -> str:
    """Hide the password of a SQLAlchemy URL, keep the rest (driver, host, database)."""
    return _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", url)


class SecretRegistry:
    """Every secret the loaded config holds, so any text can be scrubbed before it leaves."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= 4:
                self._secrets.add(value)

    def update(self, values: Iterable[str | None]) -> None:
        self.add(*values)

    def scrub(self, text: str) -> str:
        # longest first so a secret containing another is masked whole
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return mask_database_url(text)


registry = SecretRegistry()


def scrub(text: str) -> str:
    """Mask every known secret and every URL password in ``text``."""
    return registry.scrub(text)
