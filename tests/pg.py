"""A throwaway PostgreSQL database on the local server, or a clear skip when there is none."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@contextmanager
def temporary_database() -> Iterator[str]:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    admin = sqlalchemy.create_engine(f"{SERVER}/test", isolation_level="AUTOCOMMIT")
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sqlalchemy.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {str(exc.orig).splitlines()[0]}")
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
