"""The benchmark's references (bench/report.py, bench/sql_alone.py): what a target needs, the
most an app as cheap as the ceiling could serve, and the SQL replayed without the app."""

from __future__ import annotations

import os

import pytest

from bench.report import needed_rps, sql_alone_lines
from bench.scenarios import Target
from bench.sql_alone import parse_pgbench, pgbench_path, reads_only, replay, request_sql

CEILING = {"16": {"rps": 4000.0}, "64": {"rps": 3600.0}}

# What pgbench 15 prints for `-T 8 -f a.sql -f b.sql` (abridged), and pgbench 13, whose first
# tps line counts connecting and must not be taken.
PGBENCH_15 = """\
number of transactions actually processed: 10656
number of failed transactions: 0 (0.000%)
latency average = 1.502 ms
initial connection time = 4.120 ms
tps = 1331.950422 (without initial connection time)
SQL script 1: a.sql
 - weight: 1 (targets 50.0% of total)
 - latency average = 2.640 ms
"""
PGBENCH_13 = """\
latency average = 1.610 ms
tps = 1240.000000 (including connections establishing)
tps = 1242.500000 (excluding connections establishing)
"""


def test_a_ratio_needs_its_share_of_the_ceiling_and_a_p50_needs_connections_over_latency():
    assert needed_rps(Target("ratio", ">=", 0.20), "64", CEILING) == pytest.approx(720)
    # 16 requests always in flight, each answered in 15 ms: 16 / 0.015 s (Little's law).
    assert needed_rps(Target("p50_ms", "<=", 15, 16), "16", CEILING) == pytest.approx(1066.7, abs=0.1)
    assert needed_rps(Target("p99_ms", "<=", 40, 16), "16", CEILING) is None  # a tail has no such rule


def test_the_report_sets_the_sql_alone_beside_what_the_targets_need():
    runs = {"16": [], "64": []}
    results = {
        "scenarios": {
            "search": {"runs": runs, "sql_alone": {"rps": 1200.0, "latency_ms": 1.6, "clients": 2}},
            "list_filtered": {"runs": runs, "sql_alone": {"skipped": "pgbench not found"}},
            "list_cached": {"runs": runs},
        }
    }
    lines = sql_alone_lines(results, CEILING)
    search = next(line for line in lines if line.startswith("| search"))
    # At best 1 / (1/4000 + 1/1200) = 923 req/s at 16 connections: short of the 1,067 needed.
    assert "| 1200 | 1.60 | 923 @16, 900 @64 |" in search
    assert "p50_ms <= 15 @16: 1067" in search
    assert "p99" not in search
    assert "| list_filtered | pgbench not found |" in "\n".join(lines)
    assert not any("list_cached" in line for line in lines)
    assert sql_alone_lines({"scenarios": {"list_cached": {"runs": runs}}}, CEILING) == []


def test_pgbench_output_gives_the_requests_per_second_without_connecting():
    assert parse_pgbench(PGBENCH_15) == {"rps": 1331.950422, "latency_ms": 1.502}
    assert parse_pgbench(PGBENCH_13) == {"rps": 1242.5, "latency_ms": 1.61}  # not the line with connecting
    with pytest.raises(ValueError, match="no tps"):
        parse_pgbench("pgbench: error: connection to server failed\n")


def test_only_reads_are_replayed():
    statements = ["SAVEPOINT sa_1", "SELECT 1", "  with t as (select 1) select * from t", "UPDATE x SET y = 1", "BEGIN"]
    assert reads_only(statements) == ["SELECT 1", "  with t as (select 1) select * from t"]


def test_a_search_s_sql_is_recorded_with_its_values_and_replayed_by_pgbench(app, postgres_only, tmp_path, make_product):
    make_product("Blue Teapot", stock=3)  # a search that finds nothing sends no page statement
    search = {"method": "GET", "path": "/api/v1/products/search/?q=teapot"}
    statements = request_sql(app, [search, search])
    assert statements and any("'teapot'" in statement for statement in statements)  # values in place

    result = replay(app.config["SQLALCHEMY_DATABASE_URI"], [statements], tmp_path, seconds=1, runs=2)
    if pgbench_path() is None:
        assert result == {"skipped": "pgbench not found"}
        return
    assert result["clients"] == len(os.sched_getaffinity(0)) and result["scripts"] == 1
    assert len(result["samples"]) == 2 and result["rps"] > 0 and result["latency_ms"] > 0


def test_a_failing_pgbench_is_a_note_in_the_results_not_a_lost_run(app, postgres_only, tmp_path):
    result = replay(app.config["SQLALCHEMY_DATABASE_URI"], [["SELECT * FROM no_such_table"]], tmp_path, 1, 1)
    if pgbench_path() is None:
        assert result == {"skipped": "pgbench not found"}
        return
    assert result["skipped"].startswith("pgbench failed") and "no_such_table" in result["skipped"]
