"""The DuckDB side of the engine benchmark (methods §7): the same roll-ups as the engine's
full recompute, computed in SQL from the same values over a place-ancestor table.

Reads what `bench_engine` wrote to DIR (values.csv, ancestors.csv, weights.csv,
indicators.csv, expected.csv), loads them into an in-memory DuckDB (timed apart), then
times the roll-ups:

  - sums:  every (ancestor, indicator, period, component) sum, for the indicators that
           roll up as a sum and for both components of the ratio-of-sums rates;
  - means: population-weighted means (Σ value·weight / Σ weight) per ancestor;
  - rates: Σ numerator / Σ denominator × scale per ancestor.

Only villages report in the workload, so the engine's "a place's own figure replaces the
sum below" never applies and plain sums over ancestors are the same roll-ups. The engine's
sample (expected.csv) is then checked against DuckDB's results: any difference beyond
1e-9 (relative) fails the run.

    python duckdb_rollup.py DIR [--type decimal|double] [--repeat 3] [--threads N]
"""

import argparse
import os
import statistics
import sys
import time

import duckdb

ROLLUPS = [
    (
        "sums",
        """
        CREATE OR REPLACE TABLE sums AS
        SELECT a.ancestor AS place, v.indicator, v.period, v.component,
               SUM(v.value) AS total, COUNT(*) AS n
        FROM vals v
        JOIN anc a ON a.place = v.place
        JOIN ind i ON i.indicator = v.indicator AND i.rule IN ('sum', 'ratio')
        GROUP BY ALL
        """,
    ),
    (
        "means",
        """
        CREATE OR REPLACE TABLE means AS
        SELECT a.ancestor AS place, v.indicator, v.period,
               SUM(v.value * w.weight) / SUM(w.weight) AS mean
        FROM vals v
        JOIN anc a ON a.place = v.place
        JOIN ind i ON i.indicator = v.indicator AND i.rule = 'weighted'
        JOIN weights w ON w.place = v.place AND w.year = v.year
        GROUP BY ALL
        """,
    ),
    (
        "rates",
        """
        CREATE OR REPLACE TABLE rates AS
        SELECT n.place, n.indicator, n.period,
               CAST(n.total AS DOUBLE) / CAST(d.total AS DOUBLE) * i.scale AS rate
        FROM sums n
        JOIN sums d ON d.place = n.place AND d.indicator = n.indicator
                   AND d.period = n.period AND d.component = 'denominator'
        JOIN ind i ON i.indicator = n.indicator AND i.rule = 'ratio'
        WHERE n.component = 'numerator' AND d.total <> 0
        """,
    ),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--type", default="decimal", choices=["decimal", "double"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    d = a.dir
    vtype = "DECIMAL(18,6)" if a.type == "decimal" else "DOUBLE"
    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    out = {"duckdb_version": duckdb.__version__, "threads": a.threads, "value_type": vtype}

    t = time.perf_counter()
    con.execute(
        f"""
        CREATE TABLE vals AS SELECT * FROM read_csv('{d}/values.csv', header = true,
            columns = {{'place': 'INTEGER', 'indicator': 'VARCHAR', 'period': 'VARCHAR',
                        'year': 'INTEGER', 'component': 'VARCHAR', 'value': '{vtype}'}})
        """
    )
    con.execute(
        f"""CREATE TABLE anc AS SELECT * FROM read_csv('{d}/ancestors.csv', header = true,
            columns = {{'place': 'INTEGER', 'ancestor': 'INTEGER'}})"""
    )
    con.execute(
        f"""CREATE TABLE weights AS SELECT * FROM read_csv('{d}/weights.csv', header = true,
            columns = {{'place': 'INTEGER', 'year': 'INTEGER', 'weight': 'BIGINT'}})"""
    )
    con.execute(
        f"""CREATE TABLE ind AS SELECT * FROM read_csv('{d}/indicators.csv', header = true,
            columns = {{'indicator': 'VARCHAR', 'rule': 'VARCHAR', 'scale': 'DOUBLE'}})"""
    )
    out["load_ms"] = round((time.perf_counter() - t) * 1000)
    out["rows"] = con.execute("SELECT count(*) FROM vals").fetchone()[0]

    runs = []
    parts = {name: [] for name, _ in ROLLUPS}
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        for name, sql in ROLLUPS:
            t = time.perf_counter()
            con.execute(sql)
            parts[name].append((time.perf_counter() - t) * 1000)
        runs.append((time.perf_counter() - t0) * 1000)
    out["rollup_ms_runs"] = " ".join(f"{r:.0f}" for r in runs)
    out["rollup_ms"] = round(statistics.median(runs))
    for name, r in parts.items():
        out[f"{name}_ms"] = round(statistics.median(r))
    out["result_rows"] = sum(
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sums", "means", "rates")
    )

    # The engine's sample against DuckDB's figures.
    con.execute(
        f"""CREATE TABLE expected AS SELECT * FROM read_csv('{d}/expected.csv', header = true,
            columns = {{'place': 'INTEGER', 'indicator': 'VARCHAR', 'period': 'VARCHAR',
                        'value': 'DOUBLE'}})"""
    )
    rows = con.execute(
        """
        WITH got AS (
            SELECT place, indicator, period, CAST(total AS DOUBLE) AS v FROM sums
              WHERE component = 'value'
            UNION ALL SELECT place, indicator, period, CAST(mean AS DOUBLE) FROM means
            UNION ALL SELECT place, indicator, period, rate FROM rates
        )
        SELECT e.place, e.indicator, e.period, e.value, g.v
        FROM expected e LEFT JOIN got g USING (place, indicator, period)
        """
    ).fetchall()
    bad = []
    for place, ind, period, want, got in rows:
        if got is None or abs(got - want) > 1e-9 * max(1.0, abs(want)):
            bad.append((place, ind, period, want, got))
    out["compared"] = len(rows)
    out["mismatches"] = len(bad)

    with open(os.path.join(d, f"duckdb-results-{a.type}.txt"), "w") as f:
        for k, v in out.items():
            print(f"{k:<34} {v}")
            f.write(f"{k}={v}\n")
    if bad:
        for b in bad[:10]:
            print("MISMATCH place=%s %s %s engine=%r duckdb=%r" % b, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
