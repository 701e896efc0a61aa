"""Who an account is to the shop: every domain checks these, so they sit below all of them."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"
