"""What the suite measures: the wrk scenarios with their targets (issue 8), and the checkout's.

Ratios are the scenario's median req/s over the median req/s of the ceiling app at the same
number of connections, both measured in the same run.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

CONNECTIONS = (16, 64)
POOL_USERS = 128  # tokens of wrk's authenticated scenarios: 64 per wrk thread
CHECKOUT_CLIENTS = 16
RSS_LIMIT_MB = 150
LEAK_TOLERANCE_MB = 2.0  # growth of one worker across the repeated runs of one scenario
SEED_LIMIT_S = 120
CHECKOUT_ORDERS_PER_S = 100

FILTERED_LIST = "/api/v1/products/?category_tree=electronics&min_price=50&max_price=1500&ordering=-price"


@dataclass(frozen=True)
class Target:
    metric: str  # a key of the scenario's medians: rps, ratio, p50_ms, p99_ms, orders_per_second
    op: str  # ">=" or "<="
    value: float
    connections: int | None = None  # None: at every connection count

    def applies(self, conns: int | str) -> bool:
        return self.connections in (None, int(conns))

    def met(self, measured: float) -> bool:
        return {">=": operator.ge, "<=": operator.le}[self.op](measured, self.value)

    def label(self) -> str:
        shown = f"{self.value:.0%}" if self.metric == "ratio" else f"{self.value:g}"
        where = f" @{self.connections}" if self.connections else ""
        return f"{self.metric} {self.op} {shown}{where}"


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    script: str  # in bench/wrk/
    path: str  # wrk's URL path (the request path unless `paths` rotates over others)
    paths: str | None = None  # "detail" or "search": a pool of paths made by the runner
    bust: bool = False  # a unique throw-away parameter per request: no response cache can answer
    users: bool = False  # authenticated: one token per pool user
    cart_lines: int | None = None  # pool carts reset to this many lines before every run
    bodies: str | None = None  # "add_item" or "login": a pool of JSON bodies made by the runner
    targets: tuple[Target, ...] = ()
    connections: tuple[int, ...] = CONNECTIONS
    note: str = ""
    sql_alone: bool = False  # also replay its SQL without the app (bench/sql_alone.py)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "list_cached",
        "Product list page 1 (anonymous, cached)",
        "get.lua",
        "/api/v1/products/",
        targets=(Target("ratio", ">=", 0.60),),
    ),
    Scenario(
        "list_filtered",
        "Product list, category_tree + price range + ordering (uncached)",
        "get.lua",
        FILTERED_LIST,
        bust=True,
        targets=(Target("p99_ms", "<=", 30, 16), Target("ratio", ">=", 0.20)),
        sql_alone=True,
        note="response cache bypassed; the count and the category subtree come from Redis (as designed)",
    ),
    Scenario(
        "detail",
        "Product detail (cached, 200 products in turn)",
        "get.lua",
        "/api/v1/products/",
        paths="detail",
        targets=(Target("ratio", ">=", 0.60),),
    ),
    Scenario(
        "search",
        "Full-text search (uncached, 24 queries in turn)",
        "get.lua",
        "/api/v1/products/search/",
        paths="search",
        bust=True,
        targets=(Target("p50_ms", "<=", 15, 16), Target("p99_ms", "<=", 40, 16)),
        sql_alone=True,
    ),
    Scenario("category_tree", "Category tree (cached)", "get.lua", "/api/v1/categories/tree/"),
    Scenario(
        "cart_read",
        "Cart read (authenticated, 3 lines)",
        "auth_get.lua",
        "/api/v1/cart/",
        users=True,
        cart_lines=3,
    ),
    Scenario(
        "add_to_cart",
        "Add to cart (authenticated POST, carts of up to 10 lines)",
        "post_json.lua",
        "/api/v1/cart/add_item/",
        users=True,
        cart_lines=0,
        bodies="add_item",
    ),
    Scenario(
        "login",
        "Login (Argon2id t=3, m=64 MiB, p=4: memory-hard by design)",
        "post_json.lua",
        "/api/v1/auth/login/",
        bodies="login",
        connections=(16,),  # 64 connections would only queue logins behind the hash
        note="bound by the password hash, on purpose; not comparable with the reads",
    ),
)

CHECKOUT_TARGETS = (Target("orders_per_second", ">=", CHECKOUT_ORDERS_PER_S, CHECKOUT_CLIENTS),)
