"""Catalogue caching: the catalogue's versioned namespace (bumped after every committed catalogue
write, kastoma/versioned.py), response bodies and computed values keyed on it, and the HTTP
caching headers of catalogue GETs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, request

from kastoma.auth import require_user
from kastoma.caching import cache_get_many, cache_set
from kastoma.products.models import CATALOGUE_MODELS
from kastoma.roles import Role
from kastoma.versioned import Namespace, digest, request_memo

DEFAULT_MAX_AGE = 60
# URLs of recent misses this process did not store (see `_asked_before`); FIFO-bounded.
RECENT_MISSES = 4096
_recent_misses: dict[str, None] = {}
_recent_lock = threading.Lock()  # gthread workers: evicting while another thread inserts

CATALOGUE = Namespace("catalogue", CATALOGUE_MODELS)
catalogue_version = CATALOGUE.version
mark_catalogue_changed = CATALOGUE.mark_changed
cached = CATALOGUE.cached


# --- Cached responses and HTTP headers ----------------------------------------------------------


def _response_key() -> str:
    # The whole URL as sent: bodies embed absolute pagination links built from the host and
    # every arg (in their order).
    url = f"{request.scheme}://{request.host}{request.root_path}{request.path}?{request.query_string.decode('latin-1')}"
    return f"catalogue:response:{digest(url)}"


def _cached_response(key: str) -> tuple[int, bytes, str] | None:
    """The stored (version, body, ETag) of this URL if it was built under the current version.
    The version (read first thing in the request) and the entry come back in one round trip."""
    CATALOGUE.retry_lost_bump()
    version, entry = cache_get_many(CATALOGUE.version_key, key)
    CATALOGUE.remember(version)
    if entry is None:
        return None
    request_memo()["stored_before"] = True
    return entry if entry[0] == catalogue_version() else None


def _asked_before(key: str) -> bool:
    """Whether this URL was asked for before: a body is stored on its second request only.

    Most uncached URLs (a search's own text, a deep page, a tracking parameter) are asked for
    once, and storing their bodies cost 8 % of an uncached listing's CPU and Redis memory for
    nothing (nginx's `proxy_cache_min_uses 2`, for the same reason). "Before" is an entry under
    an older catalogue version, or this process's own list of recent misses."""
    if request_memo().get("stored_before"):
        return True
    with _recent_lock:
        if key in _recent_misses:
            return True
        _recent_misses[key] = None
        if len(_recent_misses) > RECENT_MISSES:
            del _recent_misses[next(iter(_recent_misses))]
    return False


def answer_from_cache() -> Response | None:
    """before_request of the catalogue blueprints: a GET whose URL has a public body stored under
    the current version is answered with it, before routing arguments are parsed (they were valid
    when it was stored: only public 200s are). Tokens play no part in a public read."""
    if request.method not in ("GET", "HEAD"):
        return None
    memo = request_memo()
    memo["response_key"] = key = _response_key()
    entry = _cached_response(key)
    if entry is None:
        return None
    memo["public"] = memo["from_cache"] = True
    response = current_app.response_class(entry[1], status=200, mimetype="application/json")
    response.set_etag(entry[2])
    return response


def catalogue_read(view: Callable) -> Callable:
    """Mark a catalogue GET public: its body is the same for everyone and is cached (a stored one
    is answered by `answer_from_cache`). `include_inactive=true` requires staff and is not cached.
    The decorated view takes the parsed query dict as its first argument."""

    @wraps(view)
    def wrapper(self: Any, query: dict, *args: Any, **kwargs: Any) -> Any:
        if query.get("include_inactive"):
            require_user(Role.STAFF)(lambda: None)()
        else:
            request_memo()["public"] = True
        return view(self, query, *args, **kwargs)

    return wrapper


def finish_catalogue_response(response: Response) -> Response:
    """after_request of the catalogue blueprints: store public bodies (with their ETag, under the
    version they were built from), set Cache-Control and ETag, and answer a matching
    If-None-Match with 304."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        return response
    response.add_etag()  # kept when the body came from the cache with its ETag
    memo = request_memo()
    if memo.get("public"):
        if not memo.get("from_cache") and _asked_before(memo["response_key"]):
            cache_set(memo["response_key"], (catalogue_version(), response.get_data(), response.get_etag()[0]))
        max_age = current_app.config.get("CATALOGUE_MAX_AGE", DEFAULT_MAX_AGE)
        # Same body for everyone, but a shared cache must not keep what an authenticated
        # request received.
        scope = "private" if "Authorization" in request.headers else "public"
        response.headers["Cache-Control"] = f"{scope}, max-age={max_age}"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.vary.update(("Authorization", "Origin"))  # the CORS headers differ per Origin
    if "HTTP_IF_NONE_MATCH" in request.environ or "HTTP_IF_MODIFIED_SINCE" in request.environ:
        return response.make_conditional(request)
    return response


def install_http_caching(blueprint: Any) -> None:
    blueprint.before_request(answer_from_cache)
    blueprint.after_request(finish_catalogue_response)
