"""The real PostgreSQL of the live-source tests (started once per session, skipped without its
binaries unless CI is set), for the rules whose verdict the database confirms."""

from tests.sources.conftest import postgres

__all__ = ["postgres"]
