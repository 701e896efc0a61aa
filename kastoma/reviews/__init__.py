"""Product reviews: writing them (one per user per product, verified purchases), and their moderation."""
