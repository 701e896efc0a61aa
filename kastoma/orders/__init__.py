"""Orders: carts, coupons, checkout, the order lifecycle and payments."""
