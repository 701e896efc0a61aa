"""Staff statistics (`*/stats/`): who may read them, their figures for a small shop built here,
a fixed number of SQL statements whatever the shop's size, and the one-minute cache."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from kastoma.extensions import db
from kastoma.models import utcnow
from kastoma.orders.models import Cart, Order
from kastoma.roles import Role
from tests.conftest import clear_caches

PRODUCTS = "/api/v1/products/stats/"
CATEGORIES = "/api/v1/categories/stats/"
USERS = "/api/v1/users/stats/"
PROFILES = "/api/v1/profiles/stats/"
ORDERS = "/api/v1/orders/stats/"
CARTS = "/api/v1/cart/stats/"
ENDPOINTS = [PRODUCTS, CATEGORIES, USERS, PROFILES, ORDERS, CARTS]


def stats(client, headers, path, **query):
    r = client.get(path, headers=headers, query_string=query)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["success"] is True and body["errors"] is None
    return body["data"]


def last_30_days(today: date) -> list[str]:
    return [(today - timedelta(days=29 - n)).isoformat() for n in range(30)]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_only_staff_read_the_statistics(client, customer, staff, admin, auth_headers, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers=auth_headers(customer)).status_code == 403
    r = client.get(path, headers=auth_headers(staff))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
    assert client.get(path, headers=auth_headers(admin)).status_code == 200


# --- Figures ----------------------------------------------------------------------------------


def test_product_stats(client, staff, make_user, auth_headers, make_category, make_product, make_review):
    home, garden = make_category("Home"), make_category("Garden")
    kitchen = make_category("Kitchen", parent=home)
    empty_root = make_category("Attic")
    mug = make_product("Mug", price="10.00", cost_price="4.00", stock=3, category=kitchen, is_featured=True)
    lamp = make_product("Lamp", price="20.00", stock=10, category=home)  # no cost price
    make_product(
        "Tee",
        price="25.00",
        cost_price="12.00",
        category=garden,
        variants=[
            {"price": "30.00", "stock": 6},
            {"stock": 8},  # at the product's price
            {"price": "99.00", "stock": 1, "is_active": False},  # counts nowhere
        ],
    )
    make_product("Rake", price="5.00", cost_price="1.00", stock=0, category=garden)
    make_product("Sofa", price="100.00", cost_price="50.00", stock=50, category=home, is_active=False)
    make_review(mug, make_user(), rating=5)
    make_review(mug, make_user(), rating=4)
    make_review(lamp, make_user(), rating=3)

    data = stats(client, auth_headers(staff), PRODUCTS)
    assert data == {
        "active": 4,
        "inactive": 1,
        "featured": 1,
        "out_of_stock": 1,  # Rake
        "low_stock": 2,  # Mug (3 <= 5) and Rake; Tee's only low variant is inactive
        "stock_units": 3 + 10 + (6 + 8) + 0,
        "stock_value_at_price": "610.00",  # 3x10 + 10x20 + 6x30 + 8x25
        "stock_value_at_cost": "180.00",  # 3x4 + 14x12 + 0x1 (Lamp has no cost)
        "average_rating": 3.75,  # of Mug (4.5) and Lamp (3.0)
        "by_root_category": [
            {"category_id": str(garden.id), "name": "Garden", "slug": garden.slug, "products": 2},
            {"category_id": str(home.id), "name": "Home", "slug": home.slug, "products": 2},
            {"category_id": str(empty_root.id), "name": "Attic", "slug": empty_root.slug, "products": 0},
        ],
    }


def test_category_stats(client, staff, auth_headers, make_category, make_product):
    home, garden = make_category("Home"), make_category("Garden")
    kitchen = make_category("Kitchen", parent=home)
    make_category("Knives", parent=kitchen)
    make_category("Attic")
    make_category("Old", is_active=False)
    make_product("Mug", category=kitchen)
    make_product("Pan", category=kitchen)
    make_product("Pot", category=kitchen, is_active=False)
    make_product("Rake", category=garden)

    data = stats(client, auth_headers(staff), CATEGORIES)
    assert data == {
        "categories": 6,
        "roots": 4,  # Home, Garden, Attic, Old
        "active": 5,
        "empty": 3,  # Knives, Attic, Old
        "max_depth": 3,  # Home > Kitchen > Knives
        "top_by_products": [
            {"category_id": str(kitchen.id), "name": "Kitchen", "slug": kitchen.slug, "products": 2},
            {"category_id": str(garden.id), "name": "Garden", "slug": garden.slug, "products": 1},
        ],
    }


def test_user_stats(client, staff, admin, make_user, auth_headers):
    today = utcnow().date()
    make_user()
    gone = make_user()
    gone.is_active = False
    five_days_ago = make_user()
    five_days_ago.created_at = utcnow() - timedelta(days=5)
    long_ago = make_user()
    long_ago.created_at = utcnow() - timedelta(days=45)  # before the 30 days shown
    db.session.commit()

    data = stats(client, auth_headers(staff), USERS)
    assert (data["total"], data["active"], data["inactive"]) == (6, 5, 1)
    assert data["by_role"] == {"customer": 4, "staff": 1, "admin": 1}
    days = data["sign_ups_by_day"]
    assert [d["date"] for d in days] == last_30_days(today)
    signed_up = {d["date"]: d["sign_ups"] for d in days if d["sign_ups"]}
    assert signed_up == {today.isoformat(): 4, (today - timedelta(days=5)).isoformat(): 1}


def test_profile_stats(client, staff, make_user, auth_headers):
    for user, fields in (
        (staff, {"avatar": "avatars/staff.png", "marketing_emails": True}),
        (make_user(), {"newsletter_subscribed": True, "phone": "+1 555 0100"}),  # incomplete: no address
        (
            make_user(),
            {"phone": "+1 555 0101", "address_line1": "1 Main St", "city": "Springfield"},
        ),
        (
            make_user(),
            {
                "phone": "+1 555 0102",
                "address_line1": "2 Main St",
                "city": "Springfield",
                "postal_code": "12345",
                "country": "US",
                "newsletter_subscribed": True,
                "marketing_emails": True,
            },
        ),
    ):
        for name, value in fields.items():
            setattr(user.profile, name, value)
    db.session.commit()

    data = stats(client, auth_headers(staff), PROFILES)
    assert data == {
        "profiles": 4,
        "with_avatar": 1,
        "newsletter_subscribed": 2,
        "newsletter_share": 0.5,
        "marketing_emails": 2,
        "complete": 1,
        "complete_share": 0.25,
    }


def pay(client, headers, order, token="tok_visa"):
    r = client.post(f"/api/v1/orders/{order['id']}/pay/", headers=headers, json={"provider": "dummy", "token": token})
    assert r.status_code == 200, r.get_json()


def test_order_stats(client, staff, customer, auth_headers, make_product, place_order):
    today = utcnow().date()
    headers = auth_headers(customer)
    product = make_product(price="20.00", stock=20)
    # Standard shipping (5.99) under the free-shipping threshold, no tax.
    paid, pending, cancelled, failed = (
        place_order(customer, [(product, quantity)]).get_json()["data"] for quantity in (1, 2, 1, 1)
    )
    pay(client, headers, paid)  # confirmed and paid: 25.99
    # pending: 2 x 20.00 + 5.99 = 45.99, not paid yet
    pay(client, headers, cancelled)
    assert client.post(f"/api/v1/orders/{cancelled['id']}/cancel/", headers=headers, json={}).status_code == 200
    pay(client, headers, failed, token="tok_chargeDeclined")  # stays pending, payment failed: 25.99
    db.session.get(Order, uuid.UUID(pending["id"])).created_at = utcnow() - timedelta(days=3)
    db.session.commit()

    data = stats(client, auth_headers(staff), ORDERS)
    assert data["orders"] == 4
    assert data["revenue"] == "97.97"  # 25.99 + 45.99 + 25.99, the cancelled order left out
    assert data["average_order_value"] == "32.66"  # 97.97 / 3
    assert data["by_status"] == {
        "pending": {"orders": 2, "total": "71.98"},
        "confirmed": {"orders": 1, "total": "25.99"},
        "processing": {"orders": 0, "total": "0.00"},
        "shipped": {"orders": 0, "total": "0.00"},
        "delivered": {"orders": 0, "total": "0.00"},
        "cancelled": {"orders": 1, "total": "25.99"},
        "refunded": {"orders": 0, "total": "0.00"},
    }
    assert data["by_payment_status"] == {
        "pending": 1,
        "paid": 1,
        "failed": 1,
        "refunded": 1,
        "partially_refunded": 0,
    }
    assert (data["paid"], data["unpaid"], data["refunded_amount"]) == (1, 2, "25.99")
    assert [d["date"] for d in data["by_day"]] == last_30_days(today)
    busy = {d["date"]: (d["orders"], d["revenue"]) for d in data["by_day"] if d["orders"]}
    assert busy == {
        today.isoformat(): (3, "51.98"),  # the cancelled order counts as an order, not as revenue
        (today - timedelta(days=3)).isoformat(): (1, "45.99"),
    }


def add_to_cart(client, product, quantity, variant=None, headers=None):
    body = {"product_id": str(product.id), "quantity": quantity}
    if variant is not None:
        body["variant_id"] = str(variant.id)
    r = client.post("/api/v1/cart/add_item/", json=body, headers=headers or {})
    assert r.status_code == 200, r.get_json()
    return r


def age_cart(cart_id, hours: int) -> None:
    db.session.get(Cart, uuid.UUID(cart_id)).updated_at = utcnow() - timedelta(hours=hours)
    db.session.commit()


def test_cart_stats(client, staff, customer, auth_headers, make_product):
    mug = make_product("Mug", price="20.00", stock=10)
    tee = make_product("Tee", price="25.00", variants=[{"price": "30.00", "stock": 10}])
    guest = add_to_cart(client, mug, 2)  # 40.00
    headers = auth_headers(customer)
    add_to_cart(client, mug, 1, headers=headers)
    mine = add_to_cart(client, tee, 2, variant=tee.variants[0], headers=headers)  # 20.00 + 2 x 30.00
    empty = client.post("/api/v1/cart/")
    assert empty.status_code == 201
    age_cart(guest.get_json()["data"]["id"], hours=30)
    age_cart(mine.get_json()["data"]["id"], hours=2)
    age_cart(empty.get_json()["data"]["id"], hours=100)  # old but empty: not abandoned

    staff_headers = auth_headers(staff)
    data = stats(client, staff_headers, CARTS)
    assert data == {
        "carts": 3,
        "user_carts": 1,
        "guest_carts": 2,
        "with_items": 2,
        "empty": 1,
        "units": 5,
        "value": "120.00",
        "average_items_per_cart": 2.5,
        "average_value": "60.00",
        "abandoned_after_hours": 24,
        "abandoned": 1,
        "abandoned_value": "40.00",
    }
    hour = stats(client, staff_headers, CARTS, abandoned_after_hours=1)
    assert (hour["abandoned_after_hours"], hour["abandoned"], hour["abandoned_value"]) == (1, 2, "120.00")
    days = stats(client, staff_headers, CARTS, abandoned_after_hours=72)
    assert (days["abandoned_after_hours"], days["abandoned"], days["abandoned_value"]) == (72, 0, "0.00")
    for wrong in ("0", str(24 * 90 + 1), "soon"):
        r = client.get(CARTS, headers=staff_headers, query_string={"abandoned_after_hours": wrong})
        assert r.status_code == 400, wrong
        assert "abandoned_after_hours" in r.get_json()["errors"]


# --- Statements and cache ---------------------------------------------------------------------


@pytest.fixture
def grow_shop(client, make_user, make_category, make_product, make_review, place_order, auth_headers):
    """grow_shop(n): n more root categories with a child, products (one with variants), reviewed
    and ordered by n more customers, who also leave carts, and n guest carts."""
    counter = iter(range(1, 10_000))

    def grow(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            root = make_category(f"Root {i}")
            child = make_category(f"Child {i}", parent=root)
            plain = make_product(f"Plain {i}", price="10.00", cost_price="5.00", stock=20, category=child)
            varied = make_product(
                f"Varied {i}", price="15.00", category=root, variants=[{"stock": 5}, {"price": "18.00", "stock": 2}]
            )
            buyer = make_user(Role.CUSTOMER)
            buyer.profile.newsletter_subscribed = True
            db.session.commit()
            make_review(plain, buyer, rating=4)
            assert place_order(buyer, [(plain, 1), (varied, 1, varied.variants[0])]).status_code == 201
            add_to_cart(client, plain, 1, headers=auth_headers(buyer))
            add_to_cart(client, varied, 1, variant=varied.variants[1])

    return grow


@pytest.mark.parametrize("path", ENDPOINTS)
def test_statement_count_does_not_grow_with_the_shop(client, staff, auth_headers, grow_shop, queries, path):
    headers = auth_headers(staff)

    def statements() -> int:
        clear_caches()
        queries.clear()
        stats(client, headers, path)
        return len(queries)

    grow_shop(1)
    small = statements()
    grow_shop(4)
    assert statements() == small


def add_user(make_user, **_):
    make_user()


def add_category(make_category, **_):
    make_category("Brand new")


def add_product(make_product, **_):
    make_product("Brand new", stock=3)


def add_order(make_product, place_order, customer, **_):
    assert place_order(customer, make_product("Brand new", stock=3)).status_code == 201


def add_cart(client, make_product, **_):
    add_to_cart(client, make_product("Brand new", stock=3), 1)


@pytest.mark.parametrize(
    "path, change, field",
    [
        (PRODUCTS, add_product, "active"),
        (CATEGORIES, add_category, "categories"),
        (USERS, add_user, "total"),
        (PROFILES, add_user, "profiles"),
        (ORDERS, add_order, "orders"),
        (CARTS, add_cart, "carts"),
    ],
)
def test_statistics_are_cached_briefly(
    client,
    staff,
    customer,
    auth_headers,
    make_user,
    make_category,
    make_product,
    place_order,
    queries,
    path,
    change,
    field,
):
    headers = auth_headers(staff)
    first = stats(client, headers, path)
    queries.clear()
    assert stats(client, headers, path) == first
    # Only the caller's account and token are read: no statistics statement.
    assert len(queries) == 1 and "revoked_tokens" in queries[0], queries
    world = {"make_user": make_user, "make_category": make_category, "make_product": make_product}
    change(client=client, place_order=place_order, customer=customer, **world)
    assert stats(client, headers, path) == first  # still the cached figures
    clear_caches()
    assert stats(client, headers, path)[field] == first[field] + 1


def test_days_are_utc_days_whatever_the_database_time_zone(
    client, staff, make_user, auth_headers, postgres_only, db_session
):
    from sqlalchemy import text

    today = utcnow().date()
    late = make_user()
    late.created_at = datetime.combine(today - timedelta(days=5), time(23, 30), UTC)
    early = make_user()
    early.created_at = datetime.combine(today - timedelta(days=3), time(0, 30), UTC)
    db.session.commit()
    headers = auth_headers(staff)
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):  # UTC+14, UTC-12
        db_session.execute(text(f"SET TIME ZONE '{zone}'"))  # undone with the test's transaction
        db_session.commit()
        clear_caches()
        days = {d["date"]: d["sign_ups"] for d in stats(client, headers, USERS)["sign_ups_by_day"] if d["sign_ups"]}
        assert days == {
            today.isoformat(): 1,
            (today - timedelta(days=3)).isoformat(): 1,
            (today - timedelta(days=5)).isoformat(): 1,
        }, zone
