"""The catalogue: categories, products, variants, images, reviews, stock and search."""
