"""Demo data for `flask seed`: the catalogue (bulk-loaded, 100k products in seconds), demo accounts and coupons."""
