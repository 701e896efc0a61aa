"""A scenario made concrete: the request paths, tokens and JSON bodies wrk rotates over (written
to files for bench/wrk/*.lua), the cart state every run starts from, and one sample request of
the same kind for counting SQL queries. Everything here runs in the runner's app context."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench import dataset
from bench.scenarios import CHECKOUT_CLIENTS, POOL_USERS, Scenario

DETAIL_PAGES = 200
SEARCH_QUERIES = 24
CART_PRODUCTS = 3  # lines of the carts that `cart_read` reads


@dataclass
class Pools:
    """The users, products and paths the scenarios draw from."""

    users: list[dataset.Customer]  # wrk's authenticated users (one token each)
    shoppers: list[dataset.Customer]  # the checkout clients
    products: list[uuid.UUID]  # in stock, no variants: what carts hold and checkout sells
    paths: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Pools:
        searches = [f"/api/v1/products/search/?{urlencode({'q': q})}" for q in dataset.search_terms(SEARCH_QUERIES)]
        return cls(
            users=dataset.customers(1, POOL_USERS),
            shoppers=dataset.customers(POOL_USERS + 1, CHECKOUT_CLIENTS),
            products=dataset.bench_products(),
            paths={"detail": dataset.detail_paths(DETAIL_PAGES), "search": searches},
        )


@dataclass
class Workload:
    scenario: Scenario
    pools: Pools
    paths: list[str]
    tokens: list[str]
    bodies: list[str]

    @classmethod
    def of(cls, scenario: Scenario, pools: Pools) -> Workload:
        tokens = dataset.access_tokens(pools.users) if scenario.users else []
        bodies = {
            None: [],
            "add_item": [json.dumps({"product_id": str(p), "quantity": 1}) for p in pools.products],
            "login": [json.dumps({"email": u.email, "password": dataset.BENCH_PASSWORD}) for u in pools.users],
        }[scenario.bodies]
        return cls(scenario, pools, pools.paths.get(scenario.paths or "", []), tokens, bodies)

    def before_run(self) -> None:
        """Carts back to their starting state (add-to-cart would otherwise hit the line limits)."""
        if self.scenario.cart_lines is not None:
            dataset.reset_carts(self.pools.users, self.pools.products[: self.scenario.cart_lines])

    def wrk_env(self, directory: Path) -> dict[str, str]:
        """The BENCH_* variables of bench/wrk/bench.lua, with the pools written to files."""
        env = {"BENCH_BUST": "1" if self.scenario.bust else "0"}
        pools = {"BENCH_PATHS": self.paths, "BENCH_TOKENS": self.tokens, "BENCH_BODIES": self.bodies}
        for variable, lines in pools.items():
            path = directory / f"{self.scenario.key}-{variable.lower()}.txt"
            path.write_text("".join(f"{line}\n" for line in lines))
            env[variable] = str(path) if lines else ""
        return env

    def sample_request(self, n: int) -> dict:
        """A request like wrk's n-th (test-client arguments plus method and path); cache-busted
        scenarios get a new throw-away parameter at every call."""
        path = self.paths[n % len(self.paths)] if self.paths else self.scenario.path
        if self.scenario.bust:
            path += f"{'&' if '?' in path else '?'}_bench=sample-{time.time_ns()}"
        headers = {"Authorization": f"Bearer {self.tokens[0]}"} if self.tokens else {}
        request = {"method": "POST" if self.bodies else "GET", "path": path, "headers": headers}
        if self.bodies:
            request["data"] = self.bodies[n % len(self.bodies)]
            request["content_type"] = "application/json"
        return request
