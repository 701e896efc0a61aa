"""The product search index writes its entries at once (GIN fastupdate off).

With fastupdate on, GIN collects new entries in a pending list that every search scans in full
until VACUUM or a 4 MB overflow merges it. A sale updates the product row (order_count is
indexed, so the update is not HOT) and so re-queues the product's whole tsvector: on the bench's
100k products, a busy pending list added about 4 ms to every search. Writing entries directly
costs each product update about 25 µs more (docs/PERFORMANCE.md).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 19:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_products_search_vector SET (fastupdate = off)")
        # Turning it off keeps the entries already queued: merge them now, not at the next VACUUM.
        op.execute("SELECT gin_clean_pending_list('ix_products_search_vector'::regclass)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_products_search_vector RESET (fastupdate)")
