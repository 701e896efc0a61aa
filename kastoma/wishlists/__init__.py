"""Wishlists: lists of products owned by users (a default one each, more can be named; public ones are shareable)."""
