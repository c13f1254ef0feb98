#!/usr/bin/env python3
"""The dashboards' floor: a bare GROUP BY of the figures over the cases of the period (by lead
agency and violation type, no joins), timed on the bench database: median of 5 runs after one
warm-up. PostgreSQL through psql (EXPLAIN ANALYZE's execution time), SQLite in-process.

  bare.py DATABASE_URL YEAR MONTH
"""

import datetime
import re
import sqlite3
import statistics
import subprocess
import sys
import time

url, year, month = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def month_period(y, m):
    """The reporting month m of y: the 15th of the month before to the 14th."""
    py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
    return datetime.date(py, pm, 15), datetime.date(y, m, 14)


PERIODS = {
    "YEAR": (datetime.date(year - 1, 12, 15), datetime.date(year, 12, 14)),
    "MONTH": month_period(year, month),
}
FIGURES = """count(*),
  sum(CASE WHEN status = 'handled_administratively' THEN 1 ELSE 0 END),
  sum(CASE WHEN status IN ('transferred_to_police', 'prosecuted') THEN 1 ELSE 0 END),
  sum(CASE WHEN status = 'prosecuted' THEN 1 ELSE 0 END),
  sum(fine_amount), sum(tax_arrears), sum(budget_collected), sum(goods_value)"""


def query(start, end):
    return (f"SELECT lead_agency_id, violation_type, {FIGURES} FROM cases "
            f"WHERE archived_at IS NULL AND detected_on BETWEEN '{start}' AND '{end}' "
            "GROUP BY lead_agency_id, violation_type")


def pg(sql):
    out = subprocess.run(["psql", "-X", "-Atq", url, "-c", f"EXPLAIN (ANALYZE, TIMING OFF) {sql}"],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"Execution Time: ([0-9.]+) ms", out).group(1))


def lite(sql):
    db = sqlite3.connect(url.split("://", 1)[1].split("?")[0])
    t0 = time.perf_counter()
    db.execute(sql).fetchall()
    return (time.perf_counter() - t0) * 1000


run = pg if url.startswith("postgres") else lite
for kind, (start, end) in PERIODS.items():
    sql = query(start, end)
    run(sql)
    times = [run(sql) for _ in range(5)]
    print(f"bare GROUP BY, {kind} {start}..{end}: {statistics.median(times):.1f} ms (median of 5)")
