#!/usr/bin/env python3
"""Runs SQL over a Tunnelvision Parquet dataset on Apache Spark: the same tables and the same
path-finder SQL (../correlate.sql, then ../verdict.sql) that `tunnelvision sql` runs in embedded DuckDB.

    spark-submit main/dataset/spark/run.py DIR [--correlate] [--window-ms 1000] [--repeat-ms 1]
                 [--format csv|json] [--out PATH] "SELECT ..."

DIR is a dataset directory made by `tunnelvision export --parquet` (a local path, or any URI Spark
reads: hdfs://, s3a://, gs://). `packets` is every DIR/packets/*.parquet; each DIR/<table>.parquet
is a view named after the file. --correlate runs correlate.sql, verdict.sql and flows.sql first (views sql_hops,
sql_journeys, sql_icmp_quotes, sql_verdicts, sql_in_pieces, sql_tcp_flow_totals...). The query's rows are printed (CSV or JSON lines, at most --limit of them), or
written whole as Parquet with --out (on a cluster, the result of a big query stays in the cluster).

correlate.sql keeps to the SQL both engines share; the dialect switches are its hash64(...), which
is Spark's xxhash64 (DuckDB's hash), and the parameter table, created here with Spark's syntax.
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORRELATE_SQL = os.path.join(HERE, "..", "correlate.sql")
VERDICT_SQL = os.path.join(HERE, "..", "verdict.sql")
FLOWS_SQL = os.path.join(HERE, "..", "flows.sql")
# The path finder's files, in the order they run (main/dataset/correlate.ts PATH_FINDER_SQL).
PATH_FINDER_SQL = [CORRELATE_SQL, VERDICT_SQL, FLOWS_SQL]


def path_finder_statements():
    out = []
    for path in PATH_FINDER_SQL:
        with open(path, encoding="utf-8") as f:
            out += statements(f.read())
    return out


def statements(text):
    """The statements of a SQL file: split where a line ends with ';', comment lines dropped
    (the same rule as main/dataset/correlate.ts sqlStatements)."""
    body = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*$", body, flags=re.M) if s.strip()]


VIEW = re.compile(r"^CREATE OR REPLACE TEMPORARY VIEW (\w+) AS\s")


def for_spark(statement):
    """correlate.sql's one dialect switch: its 64-bit hash is Spark's xxhash64 (DuckDB's hash)."""
    return re.sub(r"\bhash64\(", "xxhash64(", statement)


def materialized(stmts):
    """Views that later statements read more than once: cached, so their windows run once (the same
    rule as main/dataset/correlate.ts materialized, where DuckDB makes them tables)."""
    out = set()
    for i, s in enumerate(stmts):
        m = VIEW.match(s)
        if not m:
            continue
        name = m.group(1)
        uses = sum(len(re.findall(r"\b%s\b" % name, t)) for t in stmts[i + 1 :])
        if uses > 1:
            out.add(name)
    return out


def list_tables(spark, root):
    """Table names and paths of a dataset directory, through Hadoop's file system (any URI)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(root)
    fs = path.getFileSystem(conf)
    if not fs.exists(path):
        raise SystemExit(f"run.py: {root}: not a dataset directory")
    out = {}
    for st in fs.listStatus(path):
        name = st.getPath().getName()
        if name == "packets" and st.isDirectory():
            out["packets"] = root.rstrip("/") + "/packets/*.parquet"
        elif name.endswith(".parquet") and not st.isDirectory():
            out[name[: -len(".parquet")]] = root.rstrip("/") + "/" + name
    if not out:
        raise SystemExit(f"run.py: {root}: no Parquet tables (expected packets/*.parquet)")
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("query")
    ap.add_argument("--correlate", action="store_true")
    ap.add_argument("--window-ms", type=float, default=1000.0)
    ap.add_argument("--repeat-ms", type=float, default=1.0)
    ap.add_argument("--format", choices=["csv", "json"], default="csv")
    ap.add_argument("--limit", type=int, default=100000)
    ap.add_argument("--out")
    a = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("tunnelvision-sql").getOrCreate()
    for name, path in list_tables(spark, a.dir).items():
        spark.read.option("mergeSchema", "true").parquet(path).createOrReplaceTempView(name)
    if a.correlate:
        spark.sql(
            "CREATE OR REPLACE TEMPORARY VIEW correlate_params AS SELECT "
            f"CAST({a.window_ms * 1e6} AS DOUBLE) AS window_ns, CAST({a.repeat_ms * 1e6} AS DOUBLE) AS repeat_ns, "
            "COALESCE((SELECT MIN(t_ns) FROM packets), CAST(0 AS BIGINT)) AS epoch_ns"
        )
        stmts = path_finder_statements()
        cached = materialized(stmts)
        for s in stmts:
            spark.sql(for_spark(s))
            m = VIEW.match(s)
            if m and m.group(1) in cached:
                spark.sql(f"CACHE TABLE {m.group(1)}")
    df = spark.sql(a.query)
    if a.out:
        df.write.mode("overwrite").parquet(a.out)
        return 0
    cols = df.columns
    rows = df.limit(a.limit).collect()
    if a.format == "json":
        for r in rows:
            print(json.dumps({c: r[c] for c in cols}, default=str))
    else:
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r[c] is None else r[c] for c in cols])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
