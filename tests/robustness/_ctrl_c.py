"""A real Ctrl-C inside a DuckDB statement, at a chosen statement (tests of exit 130)."""
from __future__ import annotations

import signal
import threading
import time


class CtrlCInDuckDB:
    """Connection proxy: the ``nth`` statement that starts with ``prefix`` meets a real Ctrl-C
    inside DuckDB. In its place DuckDB runs a statement without end, and SIGINT reaches the
    main thread while it runs: DuckDB's client then raises ``RuntimeError("Query
    interrupted")``, as on a Ctrl-C during the real statement (seen at a --db store's COMMIT,
    2 runs in 15 of ``--jobs 2``). ``in_python``: the Ctrl-C lands in Python code that DuckDB
    calls instead (seen as an InvalidInputException from a flush, 1 run in 10). The statement
    itself is not run."""

    def __init__(self, con, prefix: str, nth: int = 1, *, in_python: bool = False) -> None:
        self._con, self.prefix, self.nth, self.seen = con, prefix, nth, 0
        self.in_python = in_python

    def execute(self, sql, *args):
        if sql.startswith(self.prefix):
            self.seen += 1
            if self.seen == self.nth:
                if self.in_python:
                    self._interrupted_in_python()
                self._interrupted_here()
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)

    def _interrupted_in_python(self) -> None:
        """The Ctrl-C lands in Python code that DuckDB runs: the Arrow stream of a registered
        object, made as DuckDB reads its schema (as for the flush's registered tables)."""

        class Stream:
            def __arrow_c_stream__(self, requested_schema=None):
                signal.raise_signal(signal.SIGINT)
                raise AssertionError("SIGINT did not interrupt")

        self._con.register("_ctrl_c", Stream())
        try:
            self._con.execute("SELECT * FROM _ctrl_c").fetchall()
        finally:
            self._con.unregister("_ctrl_c")
        raise AssertionError("the registered object was read")

    def _interrupted_here(self) -> None:
        main = threading.get_ident()

        def ctrl_c() -> None:
            time.sleep(0.2)                     # (DuckDB is in the statement by then)
            signal.pthread_kill(main, signal.SIGINT)

        t = threading.Thread(target=ctrl_c)
        t.start()
        try:
            self._con.execute("SELECT count(*) FROM range(1000000000000000)").fetchall()
        finally:
            t.join()
        raise AssertionError("the statement without end ended")
