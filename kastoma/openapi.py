"""How the OpenAPI document names and describes what marshmallow alone cannot."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from apispec import BasePlugin


def schema_name(schema: type[ma.Schema] | ma.Schema) -> str:
    """Stable OpenAPI component names: `Address`, and `AddressPatch` for its partial variant."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


class PrefixedQueryPlugin(BasePlugin):
    """OpenAPI 3.0 cannot declare query parameters named by a prefix (`attr.color=red`): a query
    field marked `x-query-prefix` leaves the parameter list and is described in the operation."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            params = operation.get("parameters", [])
            for param in [p for p in params if "x-query-prefix" in p.get("schema", {})]:
                params.remove(param)
                usage = f"`{param['schema']['x-query-prefix']}<name>=<value>`: {param.get('description', '')}"
                operation["description"] = f"{operation.get('description', '')}\n\n{usage}".strip()
