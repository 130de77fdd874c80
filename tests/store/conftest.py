"""The store every store test runs against: a SQLite file, then the live PostgreSQL."""

import pytest

from monitor.store import SQLAlchemyStore
from tests.pg import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        store = SQLAlchemyStore(f"sqlite:///{tmp_path / 'state.db'}")
        yield store
        store.close()
    else:
        with temporary_database() as url:
            store = SQLAlchemyStore(url)
            yield store
            store.close()
