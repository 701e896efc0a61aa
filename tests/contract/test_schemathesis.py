"""The OpenAPI spec as a fuzzed contract: schemathesis over every operation, as a customer and as staff.

Every check the contract implies is on. The spec is read once from an app built at import time
(collection needs the operations); requests go in-process to the session's app, whose database
the fixtures fill. CI runs a small deterministic profile; `make fuzz` runs the nightly one
(FUZZ_EXAMPLES=100). Rate limits are off in the testing config.

positive_data_acceptance assumes the spec states every rule of the input. A few rules are about
the input's meaning, not its shape (a password on the common-passwords list, a reset token that
does not exist, a filter naming an unknown category), and JSON Schema cannot state them. Those
operations may answer a schema-valid request with 400 — but only with errors on the fields named
in SEMANTIC_RULES, which `rejected_only_for_semantic_rules` checks on every such answer; any
other 400 to a schema-valid request is a contract failure.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from kastoma import create_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("FUZZ_SEED", "20261124"))

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "ignored_auth",
]

PASSWORDS = {"password", "password_confirm", "new_password", "new_password_confirm"}
# (created_*: also a date-time that falls before year 1 once converted to UTC)
CATALOGUE_FILTERS = {"category", "category_tree", "max_price", "created_after", "created_before", "cursor", "q"}
CATEGORY_WRITE = {"slug", "parent_id"}
PRODUCT_WRITE = {"slug", "sku", "category_id", "compare_at_price", "attributes"}
VARIANT_WRITE = {"sku", "attributes"}
COUPON_WRITE = {"code", "value", "max_discount", "valid_from", "valid_until"}

# operation -> the fields a 400 to a schema-valid request may name (rules JSON Schema cannot state)
SEMANTIC_RULES: dict[str, set[str]] = {
    # password policy (common, all-digit, similar to the username) and the two copies matching
    "POST /api/v1/auth/register/": PASSWORDS | {"email", "username"},  # also: already taken
    "POST /api/v1/auth/password-reset-confirm/": PASSWORDS | {"token"},  # unknown or spent token
    "POST /api/v1/auth/password-reset-confirm/{token}/": PASSWORDS | {"token"},
    "POST /api/v1/auth/register/confirm/": {"token"},  # unknown or spent confirmation code
    "POST /api/v1/users/me/email/confirm/": {"token"},
    # an email change needs the current password; usernames are unique
    **{
        f"{method} /api/v1/{path}/": {"current_password", "username"}
        for method in ("PUT", "PATCH")
        for path in ("users/me", "profile/update", "profile", "users/update_profile")
    },
    # staff create accounts: the password policy, and emails and usernames not taken
    "POST /api/v1/users/": {"password", "email", "username"},
    "POST /api/v1/profile/change-password/": PASSWORDS | {"current_password"},  # wrong current one
    "POST /api/v1/users/change_password/": PASSWORDS | {"current_password"},
    "POST /api/v1/auth/login/": {"email"},  # either email or username
    # a date of birth not in the future (of the server's today)
    **{
        f"{method} /api/v1/profiles/{path}/": {"date_of_birth"}
        for method in ("PUT", "PATCH")
        for path in ("me", "update_me", "{profile_id}")
    },
    "GET /api/v1/core/analytics/sales/": {"from", "to"},  # to >= from, at most 366 days
    # filters naming a category or product that does not exist; max_price >= min_price;
    # page and cursor exclusive, cursors opaque; the search text not blank
    "GET /api/v1/categories/": {"parent", "parent_slug"},
    "GET /api/v1/products/": CATALOGUE_FILTERS,
    "GET /api/v1/products/search/": CATALOGUE_FILTERS,
    "GET /api/v1/products/featured/": CATALOGUE_FILTERS,
    "GET /api/v1/products/popular/": CATALOGUE_FILTERS,
    "GET /api/v1/categories/{id_or_slug}/products/": CATALOGUE_FILTERS,
    "GET /api/v1/reviews/": {"product"},
    "GET /api/v1/orders/": {"created_after", "created_before"},
    # slugs and SKUs already taken; a parent or category that does not exist; compare-at price not
    # below the price; attribute names (OpenAPI 3.0 cannot constrain object keys)
    "POST /api/v1/categories/": CATEGORY_WRITE,
    "PUT /api/v1/categories/{id_or_slug}/": CATEGORY_WRITE,
    "PATCH /api/v1/categories/{id_or_slug}/": CATEGORY_WRITE,
    "POST /api/v1/products/": PRODUCT_WRITE,
    "PUT /api/v1/products/{id_or_slug}/": PRODUCT_WRITE,
    "PATCH /api/v1/products/{id_or_slug}/": PRODUCT_WRITE,
    "POST /api/v1/products/{id_or_slug}/variants/": VARIANT_WRITE,
    "PUT /api/v1/products/{id_or_slug}/variants/{variant_id}/": VARIANT_WRITE,
    "PATCH /api/v1/products/{id_or_slug}/variants/{variant_id}/": VARIANT_WRITE,
    # exactly one of stock / delta, and a delta is not 0
    "POST /api/v1/products/{id_or_slug}/update_stock/": {"_schema", "delta"},
    # a moderation change gives status or is_approved, not both
    "PATCH /api/v1/reviews/{review_id}/": {"_schema"},
    # a cart line is named by item_id, or by product_id (and variant_id)
    "PATCH /api/v1/cart/update_item/": {"item_id"},
    "DELETE /api/v1/cart/remove_item/": {"item_id"},
    # uploads are recognised by their bytes (PNG, JPEG or WebP), not by a declared type
    "POST /api/v1/profiles/me/avatar/": {"avatar"},
    "POST /api/v1/products/{id_or_slug}/images/": {"file"},
    # a shipping address, or the id of a saved one; the cart's caps on `items`, which count the
    # lines of one product together (CART_MAX_LINE_QUANTITY, CART_MAX_LINES: configuration)
    "POST /api/v1/cart/checkout/": {"shipping_address", "items"},
    "POST /api/v1/orders/": {"shipping_address", "items"},
    # a discount above 0 (and a percentage up to 100); valid_until after valid_from; codes unique
    "POST /api/v1/coupons/": COUPON_WRITE,
    # a setting's value is of its type (a shipped setting's, or the value_type given)
    "POST /api/v1/core/site-settings/": {"value"},
    "PUT /api/v1/core/site-settings/{key}/": {"value"},
    "PATCH /api/v1/core/site-settings/{key}/": {"value"},
    "PATCH /api/v1/coupons/{coupon_id}/": COUPON_WRITE,
}


def fuzz_config() -> SchemathesisConfig:
    positive_400 = {"expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]}
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
                # The bearer token is the test's (a fresh one per example); missing and bad tokens
                # are the ignored_auth check's business.
                "with-security-parameters": False,
                # No text may hold NUL (the API description says so; PostgreSQL cannot store it);
                # tests/security/test_injection.py sends it to every text parameter and field.
                "allow-x00": False,
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "operations": [
                {"include-name": name, "checks": {"positive_data_acceptance": positive_400}} for name in SEMANTIC_RULES
            ],
        }
    )


def load_spec() -> dict:
    spec_app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": ""})
    return spec_app.test_client().get("/api/schema/").get_json()


schema = schemathesis.openapi.from_dict(load_spec(), config=fuzz_config())


def rejected_only_for_semantic_rules(ctx, response, case) -> None:
    """A schema-valid request refused with 400 names only the fields of its operation's semantic rules."""
    meta = case.meta
    if response.status_code != 400 or meta is None or meta.generation.mode is not GenerationMode.POSITIVE:
        return
    fields = set((response.json().get("errors") or {}).keys())
    allowed = SEMANTIC_RULES.get(case.operation.label, set())
    assert fields and fields <= allowed, (
        f"{case.operation.label} refused a schema-valid request on {sorted(fields - allowed) or 'no field'}: "
        f"{response.text[:500]}"
    )


def call_and_validate(case, app, headers: dict[str, str]) -> None:
    # Checks that send follow-up requests (ignored_auth) find the app through the operation's schema.
    case.operation.schema.app = app
    case.call_and_validate(app=app, headers=headers, additional_checks=[rejected_only_for_semantic_rules])


# The user fixtures are meant to persist across the examples of one operation.
shared_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@schema.parametrize()
@shared_fixtures
def test_contract_as_customer(case, app, customer, auth_headers):
    call_and_validate(case, app, auth_headers(customer))


@schema.parametrize()
@shared_fixtures
def test_contract_as_staff(case, app, staff, auth_headers):
    call_and_validate(case, app, auth_headers(staff))
