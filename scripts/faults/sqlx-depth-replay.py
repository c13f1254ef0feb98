#!/usr/bin/env python3
"""Replays, with Python's sqlite3, the exact statements that sea-orm 2.0 + sqlx-sqlite 0.9 send
on one pooled connection when the disk fills, to show how an acknowledged write is lost.

The bookkeeping copied from sqlx-sqlite 0.9 (src/connection/worker.rs) and sea-orm 2.0
(src/database/transaction.rs):
  * sqlx keeps a per-connection `transaction_depth`; it is incremented after a successful
    BEGIN/SAVEPOINT and decremented ONLY when COMMIT/RELEASE/ROLLBACK succeeds.
  * begin:  depth 0 -> sea-orm passes the custom `BEGIN IMMEDIATE`;
            depth n>0 -> sea-orm passes nothing and sqlx sends `SAVEPOINT _sqlx_savepoint_n`.
  * commit: depth 1 -> `COMMIT`; depth n>1 -> `RELEASE SAVEPOINT _sqlx_savepoint_{n-1}`.
  * drop without commit (start_rollback): depth 1 -> `ROLLBACK`; n>1 ->
    `ROLLBACK TO SAVEPOINT _sqlx_savepoint_{n-1}`; its error is discarded (no one awaits it).
  * The pool does not look at the depth when a connection comes back (only a ping).

Run as root (it mounts a 2 MB tmpfs in a temp dir and unmounts it):
    python3 scripts/faults/sqlx-depth-replay.py
It prints each statement, its outcome, sqlx's depth and SQLite's real transaction state, then
what another connection sees, then what survives once the connection is closed (a restart).
"""

import os
import sqlite3
import subprocess
import sys
import tempfile


class SqlxConn:
    """One pooled connection as sea-orm + sqlx-sqlite drive it."""

    def __init__(self, path, name):
        self.c = sqlite3.connect(path, isolation_level=None, timeout=1)  # busy_timeout 1 s here
        self.depth = 0
        self.name = name

    def _exec(self, sql):
        try:
            self.c.execute(sql)
            ok, err = True, None
        except sqlite3.Error as e:
            ok, err = False, str(e)
        print(f"  [{self.name}] {sql:<40} -> {'ok' if ok else 'ERROR: ' + err}")
        return ok, err

    def begin(self):
        sql = "BEGIN IMMEDIATE" if self.depth == 0 else f"SAVEPOINT _sqlx_savepoint_{self.depth}"
        ok, err = self._exec(sql)
        if ok:
            self.depth += 1
        self._fix_print()
        return ok, err

    def commit(self):
        sql = "COMMIT" if self.depth == 1 else f"RELEASE SAVEPOINT _sqlx_savepoint_{self.depth - 1}"
        ok, err = self._exec(sql)
        if ok:
            self.depth -= 1
        self._fix_print()
        return ok, err

    def start_rollback(self):  # DatabaseTransaction dropped without commit; error discarded
        if self.depth == 0:
            return
        sql = "ROLLBACK" if self.depth == 1 else f"ROLLBACK TO SAVEPOINT _sqlx_savepoint_{self.depth - 1}"
        ok, _ = self._exec(sql)
        if ok:
            self.depth -= 1
        self._fix_print()

    def _fix_print(self):
        print(f"  {'':>{len(self.name) + 2}} {'':<40}    sqlx depth {self.depth}, SQLite in a transaction: {self.c.in_transaction}")

    def request(self, label, rows=20, before_commit=None):
        """One createCase: begin, insert, commit; on error the transaction is dropped.
        `before_commit` runs between the inserts and the commit (to fill the disk there)."""
        print(f" {label}")
        ok, err = self.begin()
        if not ok:
            return f"error ({err})"
        try:
            for _ in range(rows):
                self.c.execute("INSERT INTO cases(title) VALUES (hex(randomblob(1500)))")
            cid = self.c.execute("SELECT max(id) FROM cases").fetchone()[0]
        except sqlite3.Error as e:
            print(f"  [{self.name}] INSERT -> ERROR: {e}")
            self.start_rollback()
            return f"error ({e})"
        if before_commit:
            before_commit()
        ok, err = self.commit()
        if not ok:
            self.start_rollback()
            return f"error ({err})"
        return f"ACKNOWLEDGED id {cid}"


def main():
    if os.geteuid() != 0:
        sys.exit("run as root: mounts a small tmpfs")
    d = tempfile.mkdtemp(prefix="sqlx-depth-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", d], check=True)
    try:
        path = os.path.join(d, "t.db")
        setup = sqlite3.connect(path, isolation_level=None)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE cases(id INTEGER PRIMARY KEY, title TEXT)")
        setup.close()
        a, b = SqlxConn(path, "A"), SqlxConn(path, "B")

        def fill():
            for n, bs in (("filler", "64k"), ("filler2", "4k")):
                subprocess.run(["dd", "if=/dev/zero", f"of={d}/{n}", f"bs={bs}", "status=none"], stderr=subprocess.DEVNULL)

        def free():
            for n in ("filler", "filler2"):
                os.remove(os.path.join(d, n))

        acked = []
        print("1. disk full; a request on connection A")
        # The transaction's pages stay in A's cache until COMMIT writes the WAL: fill in between.
        a.request("request 1", before_commit=fill)
        print("   => COMMIT failed with SQLITE_FULL and SQLite rolled the transaction back itself;")
        print("      sqlx's ROLLBACK then failed ('no transaction is active'), so depth stays 1.\n")

        print("2. disk still full; the next request on A begins with a SAVEPOINT (not BEGIN IMMEDIATE)")
        a.request("request 2")
        print("   => RELEASE failed (SQLITE_FULL) but this time SQLite kept the transaction; sqlx's")
        print("      ROLLBACK TO SAVEPOINT succeeded, depth back to 1 -- and the transaction that the")
        print("      SAVEPOINT opened is STILL OPEN, holding the write lock.\n")
        free()

        print("3. disk freed; requests on A")
        for i in range(3):
            r = a.request(f"request {3 + i}", rows=2)
            print(f"   => client gets: {r}")
            if r.startswith("ACK"):
                acked.append(int(r.split()[-1]))
        print("   => each is 'committed' by RELEASE of a nested savepoint: nothing reaches the file.\n")

        print("4. another pooled connection B")
        r = b.request("request on B", rows=1)
        print(f"   => client gets: {r}   (the issue's 'database is locked' for other writes)")
        seen_a = a.c.execute("SELECT count(*) FROM cases").fetchone()[0]
        seen_b = b.c.execute("SELECT count(*) FROM cases").fetchone()[0]
        print(f"   count(*) on A: {seen_a}, on B: {seen_b}   (the issue's two totalCounts that disagree)\n")

        print("5. restart (the process ends; A's open transaction is discarded)")
        a.c.close()
        b.c.close()
        fresh = sqlite3.connect(path)
        present = {r[0] for r in fresh.execute("SELECT id FROM cases")}
        fresh.close()
        lost = [i for i in acked if i not in present]
        print(f"   acknowledged ids {acked}; present after restart: {sorted(present & set(acked))}; lost: {lost}")
        return 0 if not lost else 1
    finally:
        subprocess.run(["umount", "-l", d])
        os.rmdir(d)


if __name__ == "__main__":
    sys.exit(main())
