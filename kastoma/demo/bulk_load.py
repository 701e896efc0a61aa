"""Bulk loading of generated rows: PostgreSQL COPY, or multi-row INSERTs elsewhere."""

from __future__ import annotations

import csv
import enum
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from kastoma.extensions import db
from kastoma.products.models import Product, ProductImage, ProductVariant, Review, StockMovement

NULL = "\\N"  # COPY's marker for NULL (an empty field stays an empty string)


@dataclass
class Rows:
    """One batch of rows (dicts with every column), inserted table by table, parents first."""

    products: list[dict[str, Any]] = field(default_factory=list)
    variants: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    movements: list[dict[str, Any]] = field(default_factory=list)

    def insert(self) -> None:
        copy = db.engine.dialect.name == "postgresql"
        for model, rows in (
            (Product, self.products),
            (ProductVariant, self.variants),
            (ProductImage, self.images),
            (Review, self.reviews),
            (StockMovement, self.movements),
        ):
            if rows and copy:
                _copy(model.__table__.name, rows)
            elif rows:
                db.session.execute(insert(model.__table__), rows)


def _csv_value(value: Any) -> Any:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _copy(table: str, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY: a few times faster than multi-row INSERTs, in Python and in the server."""
    columns = list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_csv_value(row[c]) for c in columns])
    buffer.seek(0)
    cursor = db.session.connection().connection.cursor()
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    cursor.copy_expert(sql, buffer)
