"""Django's PostgreSQL backend, with the health check spent where it finds something.

Django's `CONN_HEALTH_CHECKS` sends `SELECT 1` before the first query of every request on a
persistent connection. In a booking rush that was one round trip of two for a refused attempt
and about a tenth of the server's CPU per attempt (bench/README.md). A connection that answered
a query less than `HEALTH_CHECK_AFTER_IDLE` seconds ago is taken as alive; one idle for longer
(the ones a database restart or a dropped TCP connection leaves behind) is checked as before.

Schema changes run without the connection's `statement_timeout` (DB_STATEMENT_TIMEOUT_MS, which
bounds what a request may wait for): building an index on a big table may rightly take minutes.
"""

import time
from typing import Any

from django.db import DatabaseError
from django.db.backends.postgresql import base, schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    # Plain SET and RESET, not parameters: PostgreSQL's SET takes no bound parameter, and this
    # backend binds parameters on the server (server_side_binding).
    def __enter__(self) -> Any:
        editor = super().__enter__()
        if not self.collect_sql:
            with self.connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        return editor

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        super().__exit__(exc_type, exc_value, traceback)
        if self.collect_sql:
            return
        try:  # back to the connection's own setting (a rolled-back transaction did it already)
            with self.connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        except DatabaseError:
            if exc_type is None:
                raise


class DatabaseWrapper(base.DatabaseWrapper):  # type: ignore[misc]
    SchemaEditorClass = DatabaseSchemaEditor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_used = float("-inf")  # monotonic time of the latest cursor on this connection

    def close_if_health_check_failed(self) -> None:
        idle_limit = self.settings_dict.get("HEALTH_CHECK_AFTER_IDLE", 0)
        if (
            self.connection is not None
            and self.health_check_enabled  # type: ignore[attr-defined]  # (not in the stubs)
            and not self.health_check_done  # type: ignore[has-type]
            and time.monotonic() - self.last_used < idle_limit
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _cursor(self, name: str | None = None) -> Any:
        cursor = super()._cursor(name)  # type: ignore[misc]  # (not in the stubs)
        self.last_used = time.monotonic()
        return cursor

    def connect(self) -> None:
        super().connect()
        self.last_used = float("-inf")
