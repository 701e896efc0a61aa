"""Domain errors raised by services, their HTTP status codes and machine codes, and the error
envelope every failure leaves in.

Services raise these without knowing about HTTP; `kastoma.api`'s handlers (and the JWT and
back-office answers) turn them into `error_response`. Each class carries its status, its
machine `code` and a default message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import jsonify


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: Any = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.errors = errors
        self.code = code or self.code
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    status_code = 400
    code = "validation_error"
    message = "Invalid input."


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"
    message = "Authentication credentials were not provided or are invalid."


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    message = "You do not have permission to perform this action."


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    message = "The request conflicts with the current state of the resource."


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    message = "Not enough stock."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = "This status change is not allowed."


class CouponInvalid(Conflict):
    code = "coupon_invalid"
    message = "This coupon cannot be used."


class CartEmpty(Conflict):
    code = "cart_empty"
    message = "The cart is empty."


class IdempotencyInFlight(Conflict):
    code = "idempotency_in_flight"
    message = "A request with this Idempotency-Key is still being processed."


class IdempotencyMismatch(DomainError):
    status_code = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request."


# Machine codes for errors raised by Flask, Werkzeug and the extensions.
HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}

HTTP_MESSAGES: dict[int, str] = {
    400: "The request is invalid.",
    404: "Not found.",
    405: "This method is not allowed on this resource.",
    413: "The request body is too large.",
    429: "Too many requests; slow down and retry later.",
    500: "An unexpected error occurred. It has been logged; please try again later.",
    503: "A service this request depends on is unavailable; try again shortly.",
}


def error_response(
    status: int,
    code: str,
    message: str,
    errors: Any = None,
    headers: Mapping[str, str] | None = None,
):
    body = {"success": False, "data": None, "message": message, "errors": errors, "code": code}
    return jsonify(body), status, dict(headers or {})
