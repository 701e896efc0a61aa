"""Reviews: one per user per product, moderated by default, only approved ones count."""

from __future__ import annotations

import uuid

import pytest

PRODUCTS = "/api/v1/products/"
REVIEWS = "/api/v1/reviews/"


@pytest.fixture
def staff_headers(staff, auth_headers):
    return auth_headers(staff)


def rating(client, slug: str) -> dict:
    return client.get(f"{PRODUCTS}{slug}/").get_json()["data"]["rating"]


def test_a_review_waits_for_approval_then_counts(client, customer, auth_headers, staff_headers, make_product):
    from kastoma.reviews.services import has_purchased

    product = make_product("Kettle")
    headers = auth_headers(customer)
    url = f"{PRODUCTS}kettle/reviews/"
    r = client.post(url, headers=headers, json={"rating": 4, "title": "Good", "text": "Boils fast."})
    assert r.status_code == 201, r.get_json()
    review = r.get_json()["data"]
    assert review["status"] == "pending" and review["author"] == "Cara C."
    assert review["is_verified_purchase"] is has_purchased(customer, product) is False
    assert r.get_json()["message"] == "Thank you! Your review will appear once approved."
    assert client.get(url).get_json()["data"] == [] and rating(client, "kettle")["count"] == 0
    # The author sees their own pending review; others do not.
    own = f"{url}{review['id']}/"
    assert client.get(own, headers=headers).status_code == 200
    assert client.get(own).status_code == 404

    queue = client.get(REVIEWS, headers=staff_headers)
    assert [q["id"] for q in queue.get_json()["data"]] == [review["id"]]
    assert queue.get_json()["data"][0]["product"]["slug"] == "kettle"
    approved = client.patch(f"{REVIEWS}{review['id']}/", headers=staff_headers, json={"status": "approved"})
    assert approved.status_code == 200 and approved.get_json()["data"]["status"] == "approved"
    listed = client.get(url).get_json()
    assert [x["title"] for x in listed["data"]] == ["Good"] and listed["pagination"]["count"] == 1
    assert rating(client, "kettle") == {
        "average": 4.0,
        "count": 1,
        "distribution": {**dict.fromkeys("1235", 0), "4": 1},
    }
    assert client.get(own).status_code == 200

    hidden = client.patch(f"{REVIEWS}{review['id']}/", headers=staff_headers, json={"is_approved": False})
    assert hidden.get_json()["data"]["status"] == "hidden"
    assert client.get(url).get_json()["data"] == [] and rating(client, "kettle")["count"] == 0
    assert client.get(f"{REVIEWS}?status=hidden", headers=staff_headers).get_json()["pagination"]["count"] == 1
    by_product = client.get(f"{REVIEWS}?status=hidden&product=kettle&rating=4", headers=staff_headers)
    assert by_product.get_json()["pagination"]["count"] == 1
    assert client.get(f"{REVIEWS}?product=nope", headers=staff_headers).status_code == 400
    assert client.get(f"{REVIEWS}?rating=7", headers=staff_headers).status_code == 400
    for bad in ({}, {"status": "approved", "is_approved": True}, {"status": "deleted"}):
        assert client.patch(f"{REVIEWS}{review['id']}/", headers=staff_headers, json=bad).status_code == 400
    assert (
        client.patch(f"{REVIEWS}{uuid.uuid4()}/", headers=staff_headers, json={"status": "approved"}).status_code == 404
    )


def test_one_review_per_user_and_product(client, customer, auth_headers, make_product):
    make_product("Kettle")
    headers = auth_headers(customer)
    url = f"{PRODUCTS}kettle/reviews/"
    first = client.post(url, headers=headers, json={"rating": 5})
    second = client.post(url, headers=headers, json={"rating": 1, "text": "Changed my mind"})
    assert second.status_code == 409
    body = second.get_json()
    assert body["code"] == "duplicate_review" and body["errors"] == {"review_id": first.get_json()["data"]["id"]}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rating": 0},
        {"rating": 6},
        {"rating": 4.5},
        {"rating": "five"},
        {"rating": 3, "title": "x" * 201},
        {"rating": 3, "text": "a\x00b"},
        {"rating": 3, "status": "approved"},
        {"rating": 3, "is_verified_purchase": True},
    ],
)
def test_invalid_reviews_are_400(client, customer, auth_headers, make_product, body):
    make_product("Kettle")
    r = client.post(f"{PRODUCTS}kettle/reviews/", headers=auth_headers(customer), json=body)
    assert r.status_code == 400, body


def test_reviewing_needs_an_account_and_an_active_product(client, customer, auth_headers, make_product):
    make_product("Kettle")
    make_product("Retired", is_active=False)
    assert client.post(f"{PRODUCTS}kettle/reviews/", json={"rating": 5}).status_code == 401
    headers = auth_headers(customer)
    assert client.post(f"{PRODUCTS}retired/reviews/", headers=headers, json={"rating": 5}).status_code == 404
    assert client.get(f"{PRODUCTS}retired/reviews/").status_code == 404


def test_authors_edit_and_delete_only_their_own(client, customer, make_user, auth_headers, make_product, make_review):
    product = make_product("Kettle")
    review = make_review(product, customer, 5, title="Great")
    other = make_review(product, make_user(), 2)
    headers = auth_headers(customer)
    url = f"{PRODUCTS}kettle/reviews/"
    assert rating(client, "kettle")["average"] == 3.5

    edited = client.patch(f"{url}{review.id}/", headers=headers, json={"rating": 3, "text": "Meh after a month"})
    assert edited.status_code == 200
    # Approval is required: an edited review goes back to the queue and stops counting.
    assert edited.get_json()["data"]["status"] == "pending" and rating(client, "kettle")["average"] == 2.0
    for method in ("patch", "delete"):
        attempt = getattr(client, method)(f"{url}{other.id}/", headers=headers, json={"rating": 5})
        missing = getattr(client, method)(f"{url}{uuid.uuid4()}/", headers=headers, json={"rating": 5})
        assert attempt.status_code == missing.status_code == 404 and attempt.data == missing.data
    assert client.patch(f"{url}{review.id}/", headers=headers, json={"rating": 9}).status_code == 400
    assert client.delete(f"{url}{review.id}/", headers=headers).status_code == 200
    assert client.get(f"{url}{review.id}/", headers=headers).status_code == 404
    again = client.post(url, headers=headers, json={"rating": 4})
    assert again.status_code == 201, "deleting frees the slot"


def test_without_required_approval_reviews_count_at_once(app, client, customer, auth_headers, make_product):
    make_product("Kettle")
    app.config["REVIEWS_REQUIRE_APPROVAL"] = False
    try:
        r = client.post(f"{PRODUCTS}kettle/reviews/", headers=auth_headers(customer), json={"rating": 2})
        assert r.get_json()["data"]["status"] == "approved"
        assert r.get_json()["message"] == "Thank you for your review."
        assert rating(client, "kettle")["count"] == 1
        edited = client.patch(
            f"{PRODUCTS}kettle/reviews/{r.get_json()['data']['id']}/",
            headers=auth_headers(customer),
            json={"rating": 4},
        )
        assert edited.get_json()["data"]["status"] == "approved" and rating(client, "kettle")["average"] == 4.0
    finally:
        app.config["REVIEWS_REQUIRE_APPROVAL"] = True


def test_reviews_list_newest_first_and_paginated(client, make_product, make_review, make_user):
    product = make_product("Kettle")
    for stars in (1, 2, 3):
        make_review(product, make_user(), stars)
    r = client.get(f"{PRODUCTS}kettle/reviews/?page_size=2")
    assert [x["rating"] for x in r.get_json()["data"]] == [3, 2]
    assert r.get_json()["pagination"]["pages"] == 2
