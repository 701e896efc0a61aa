"""From the raw runs to the verdict: medians, ratios to the ceiling, targets met or missed, and
the markdown table printed at the end of `make bench` (and pasted into docs/PERFORMANCE.md)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.scenarios import (
    CHECKOUT_CLIENTS,
    CHECKOUT_TARGETS,
    LEAK_TOLERANCE_MB,
    RSS_LIMIT_MB,
    SCENARIOS,
    SEED_LIMIT_S,
    Target,
)

METRICS = ("rps", "p50_ms", "p99_ms")


def medians(runs: list[dict]) -> dict:
    """Median req/s, p50 and p99 of repeated runs, and every error of every run."""
    return {
        **{m: statistics.median(r[m] for r in runs) for m in METRICS},  # rounded once, when shown
        "errors": sum(r["errors"] for r in runs),
        "runs": len(runs),
    }


def ceiling_medians(results: dict) -> dict[str, dict]:
    return {conns: medians(runs) for conns, runs in results["ceiling"].items()}


def summarise(results: dict) -> dict[str, dict[str, dict]]:
    """{scenario: {connections: medians + ratio to the ceiling}}."""
    ceiling = ceiling_medians(results)
    summary = {}
    for key, scenario in results["scenarios"].items():
        summary[key] = {}
        for conns, runs in scenario["runs"].items():
            row = medians(runs)
            row["ratio"] = row["rps"] / ceiling[conns]["rps"]
            summary[key][conns] = row
    return summary


def leak_mb(rss_series: list[dict[str, float]]) -> float:
    """Largest growth of one worker's RSS from the first to the last sample."""
    first, last = rss_series[0], rss_series[-1]
    return round(max((last[pid] - first[pid] for pid in last if pid in first), default=0.0), 1)


@dataclass
class Check:
    what: str
    target: str
    measured: str
    ok: bool


def _target_check(what: str, target: Target, row: dict) -> Check:
    value = row[target.metric]
    shown = f"{value:.0%}" if target.metric == "ratio" else f"{value:.1f}"
    return Check(what, target.label(), shown, target.met(value))


def verdict(results: dict) -> list[Check]:
    """Every target of issue 8 (and zero errors everywhere), met or not."""
    summary = summarise(results)
    checks: list[Check] = []
    seed = results["seed"]
    if seed.get("seconds") is not None:
        seconds = seed["seconds"]
        checks.append(Check("seed --products", f"<= {SEED_LIMIT_S} s", f"{seconds:.0f} s", seconds <= SEED_LIMIT_S))
    titles = {s.key: s for s in SCENARIOS}
    for key, by_conns in summary.items():
        scenario = titles[key]
        for conns, row in by_conns.items():
            for target in scenario.targets:
                if target.applies(conns):
                    checks.append(_target_check(f"{key} @{conns}", target, row))
        errors = sum(row["errors"] for row in by_conns.values())
        checks.append(Check(f"{key}", "0 errors", str(errors), errors == 0))
    checkout = results.get("checkout")
    if checkout:
        row = checkout_summary(checkout)
        for target in CHECKOUT_TARGETS:
            checks.append(_target_check(f"checkout @{CHECKOUT_CLIENTS}", target, row))
        checks.append(Check("checkout", "0 5xx", str(row["server_errors"]), row["server_errors"] == 0))
        checks.append(Check("checkout", "stock + sold == initial", str(row["invariant_ok"]), row["invariant_ok"]))
        sellout = checkout["sellout"]
        sold = sellout["invariant"]
        measured = f"{sold['orders_placed']} orders for {sellout['stock']} units, stock {sold['stock_after']}"
        ok = sold["ok"] and not sellout["server_errors"]
        checks.append(Check("sell-out", "0 oversell, 0 5xx", measured, ok))
    final = max(results["rss_final"].values())
    checks.append(
        Check("worker RSS after the runs", f"<= {RSS_LIMIT_MB} MiB", f"{final:.0f} MiB", final <= RSS_LIMIT_MB)
    )
    growth = {key: s["leak_mb"] for key, s in results["scenarios"].items()}
    if not growth:  # `--only checkout`: no wrk scenario was repeated
        return checks
    worst = max(growth, key=growth.get)
    checks.append(
        Check(
            "RSS growth over repeated runs",
            f"<= {LEAK_TOLERANCE_MB:g} MiB per worker",
            f"{growth[worst]:g} MiB ({worst})",
            growth[worst] <= LEAK_TOLERANCE_MB,
        )
    )
    return checks


def checkout_summary(checkout: dict) -> dict:
    runs = checkout["runs"]
    return {
        "orders_per_second": statistics.median(r["orders_per_second"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "server_errors": sum(r["server_errors"] for r in runs),
        "unexpected": sum(r["unexpected"] for r in runs),
        "orders": sum(r["orders"] for r in runs),
        "invariant_ok": all(r["invariant"]["ok"] for r in runs),
    }


def needed_rps(target: Target, conns: str, ceiling: dict[str, dict]) -> float | None:
    """The req/s a target asks for at `conns` connections: a ratio times the ceiling, or for a
    p50 with every connection's request in flight, conns / p50 (Little's law, median ~ mean)."""
    if target.metric == "ratio":
        return target.value * ceiling[conns]["rps"]
    if target.metric == "p50_ms":
        return int(conns) / (target.value / 1000)
    return None


def sql_alone_lines(results: dict, ceiling: dict[str, dict]) -> list[str]:
    """The uncached scenarios' SQL replayed without the app (bench/sql_alone.py), beside the
    req/s their targets need. Both references keep every core busy, so their costs per request
    add: an app as cheap as the ceiling app (which sends no SQL), running this SQL, would serve
    at most 1 / (1 / ceiling + 1 / SQL alone) req/s. pgbench's own share stands in for the
    app's database client, which the ceiling app does not have."""
    lines = []
    scenarios = {s.key: s for s in SCENARIOS}
    for key, record in results["scenarios"].items():
        alone = record.get("sql_alone")
        if not alone:
            continue
        if "skipped" in alone:
            lines.append(f"| {key} | {alone['skipped']} | | | |")
            continue
        needs, best = [], []
        for conns in record["runs"]:
            best.append(f"{1 / (1 / ceiling[conns]['rps'] + 1 / alone['rps']):.0f} @{conns}")
            for target in scenarios[key].targets:
                rps = needed_rps(target, conns, ceiling) if target.applies(conns) else None
                if rps is not None:
                    label = target.label() if target.connections else f"{target.label()} @{conns}"
                    needs.append(f"{label}: {rps:.0f}")
        lines.append(
            f"| {key}: its SQL alone (pgbench, {alone['clients']} clients) | {alone['rps']:.0f} "
            f"| {alone['latency_ms']:.2f} | {', '.join(best)} | {'; '.join(needs)} |"
        )
    if not lines:
        return []
    header = "| without the app | req/s | avg ms | at best, with the ceiling app's cost | the targets need (req/s) |"
    return ["", header, "| --- | ---: | ---: | ---: | --- |", *lines]


def markdown(results: dict) -> str:
    summary, ceiling = summarise(results), ceiling_medians(results)
    titles = {s.key: s.title for s in SCENARIOS}
    lines = [
        "| scenario | conns | req/s | p50 ms | p99 ms | ratio to ceiling | errors | SQL/request "
        "| worker RSS after (MiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for conns, row in ceiling.items():
        lines.append(
            f"| ceiling app (20 products from memory) | {conns} | {row['rps']:.0f} | {row['p50_ms']:.1f} "
            f"| {row['p99_ms']:.1f} | 1 | {row['errors']} | | |"
        )
    for key, by_conns in summary.items():
        scenario = results["scenarios"][key]
        rss, sql = max(scenario["rss_after"].values()), scenario["sql_per_request"]
        for conns, row in by_conns.items():
            lines.append(
                f"| {titles[key]} | {conns} | {row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
                f"| {row['ratio']:.0%} | {row['errors']} | {sql} | {rss:.0f} |"
            )
    checkout = results.get("checkout")
    if checkout:
        row = checkout_summary(checkout)
        ratio = row["orders_per_second"] / ceiling[str(CHECKOUT_CLIENTS)]["rps"]
        rss, sql = max(checkout["rss_after"].values()), checkout["sql_per_request"]
        lines.append(
            f"| Checkout: add-to-cart + checkout (orders/s) | {CHECKOUT_CLIENTS} clients "
            f"| {row['orders_per_second']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {ratio:.0%} "
            f"| {row['unexpected']} | {sql['add_to_cart']} + {sql['checkout']} | {rss:.0f} |"
        )
    lines += sql_alone_lines(results, ceiling)
    lines += ["", "| target | required | measured | result |", "| --- | --- | --- | --- |"]
    for check in verdict(results):
        lines.append(f"| {check.what} | {check.target} | {check.measured} | {'pass' if check.ok else '**MISS**'} |")
    return "\n".join(lines)
