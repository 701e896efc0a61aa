"""No broken links: every back-office link a staff member or an admin can see answers without error."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

HREF = re.compile(r'href="([^"#]+)"')
LIMIT = 400


@pytest.fixture
def busy_shop(customer, make_product, make_review, place_order, make_coupon, make_category):
    kitchen = make_category("Kitchen")
    kettle = make_product("Copper Kettle", sku="KET-COPPER", price="49.00", stock=3, category=kitchen)
    make_product("Shirt", sku="SHIRT", variants=[{"name": "S", "stock": 2}], images=["https://cdn.example/s.png"])
    assert place_order(customer, [(kettle, 1)]).status_code == 201
    make_review(kettle, customer, status="pending", title="Lovely")
    make_coupon("SPRING10")


def crawl(client) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque(["/admin/"])
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        body = response.get_data(as_text=True)
        response.close()
        seen[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for href in HREF.findall(body):
            href = href.replace("&amp;", "&")
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
                continue
            if "/export/" in parts.path or parts.path.startswith("/admin/static/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_every_visible_link_works(client, login, busy_shop, make_user, role):
    login(client, make_user(role))
    seen = crawl(client)
    broken = {url: status for url, status in seen.items() if status >= 400}
    assert not broken, broken
    assert len(seen) > 30, "the crawl reached the whole console"
