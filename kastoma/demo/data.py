"""The vocabulary of the demo catalogue: the category tree and what its products are made of."""

from __future__ import annotations

from dataclasses import dataclass

# 6 roots x 4 children, like the original project.
CATEGORY_TREE: dict[str, list[str]] = {
    "Electronics": ["Smartphones", "Laptops", "Audio", "Cameras"],
    "Clothing": ["Men's Clothing", "Women's Clothing", "Shoes", "Accessories"],
    "Home & Garden": ["Furniture", "Kitchen", "Garden Tools", "Home Decor"],
    "Sports & Outdoors": ["Fitness", "Camping", "Cycling", "Team Sports"],
    "Books": ["Fiction", "Non-Fiction", "Children's Books", "Textbooks"],
    "Health & Beauty": ["Skincare", "Makeup", "Vitamins", "Personal Care"],
}


@dataclass(frozen=True)
class Kind:
    """How to invent products of one leaf category."""

    nouns: tuple[str, ...]
    price: tuple[int, int]
    attributes: dict[str, tuple[str, ...]]
    sizes: tuple[str, ...] = ()  # products of these categories come in variants, one per size


COLORS = ("black", "white", "red", "blue", "green", "grey", "navy", "beige")
BRANDS = ("Aurora", "Nordkap", "Vela", "Kestrel", "Lumen", "Orbit", "Tamarind", "Helix", "Solace", "Juniper")
ADJECTIVES = ("Classic", "Pro", "Ultra", "Essential", "Premium", "Compact", "Everyday", "Deluxe", "Smart", "Eco")

KINDS: dict[str, Kind] = {
    "Smartphones": Kind(
        ("Smartphone", "Phone Case", "Wireless Charger", "Screen Protector"),
        (15, 1200),
        {"color": COLORS, "storage": ("64GB", "128GB", "256GB")},
    ),
    "Laptops": Kind(("Laptop", "Ultrabook", "Laptop Stand", "Laptop Sleeve"), (30, 2500), {"ram": ("8GB", "16GB")}),
    "Audio": Kind(("Wireless Headphones", "Bluetooth Speaker", "Earbuds", "Soundbar"), (20, 600), {"color": COLORS}),
    "Cameras": Kind(("Mirrorless Camera", "Action Camera", "Camera Lens", "Tripod"), (25, 2200), {"color": COLORS}),
    "Men's Clothing": Kind(
        ("T-Shirt", "Hoodie", "Chinos", "Jacket"),
        (15, 180),
        {"color": COLORS, "material": ("cotton", "wool", "linen")},
        ("S", "M", "L", "XL"),
    ),
    "Women's Clothing": Kind(
        ("Blouse", "Dress", "Cardigan", "Jeans"),
        (18, 220),
        {"color": COLORS, "material": ("cotton", "silk", "denim")},
        ("XS", "S", "M", "L"),
    ),
    "Shoes": Kind(("Running Shoes", "Sneakers", "Boots", "Sandals"), (30, 250), {"color": COLORS}, ("39", "41", "43")),
    "Accessories": Kind(("Leather Belt", "Wallet", "Sunglasses", "Scarf"), (10, 150), {"color": COLORS}),
    "Furniture": Kind(("Desk Chair", "Bookshelf", "Coffee Table", "Sofa"), (60, 1500), {"material": ("oak", "pine")}),
    "Kitchen": Kind(("Chef's Knife", "Cast Iron Pan", "Coffee Grinder", "Blender"), (12, 400), {"color": COLORS}),
    "Garden Tools": Kind(("Pruning Shears", "Garden Hose", "Rake", "Watering Can"), (8, 150), {"color": COLORS}),
    "Home Decor": Kind(("Table Lamp", "Wall Mirror", "Throw Pillow", "Vase"), (10, 300), {"color": COLORS}),
    "Fitness": Kind(("Yoga Mat", "Kettlebell", "Resistance Bands", "Dumbbell Set"), (10, 350), {"color": COLORS}),
    "Camping": Kind(("Tent", "Sleeping Bag", "Camping Stove", "Headlamp"), (15, 600), {"color": COLORS}),
    "Cycling": Kind(("Bike Helmet", "Bike Light", "Cycling Gloves", "Water Bottle"), (8, 250), {"color": COLORS}),
    "Team Sports": Kind(("Football", "Basketball", "Shin Guards", "Sports Bag"), (10, 120), {"color": COLORS}),
    "Fiction": Kind(("Novel", "Thriller", "Fantasy Saga", "Short Stories"), (8, 40), {"format": ("paperback",)}),
    "Non-Fiction": Kind(
        ("Biography", "History Book", "Cookbook", "Travel Guide"), (10, 60), {"format": ("hardcover",)}
    ),
    "Children's Books": Kind(("Picture Book", "Bedtime Stories", "Activity Book", "First Reader"), (5, 30), {}),
    "Textbooks": Kind(("Algebra Textbook", "Chemistry Primer", "Physics Course", "Economics Reader"), (25, 150), {}),
    "Skincare": Kind(("Moisturiser", "Face Serum", "Sunscreen", "Cleanser"), (8, 90), {"skin": ("dry", "normal")}),
    "Makeup": Kind(("Lipstick", "Mascara", "Foundation", "Eyeshadow Palette"), (6, 70), {"color": COLORS}),
    "Vitamins": Kind(("Vitamin D3", "Multivitamin", "Omega-3", "Magnesium"), (6, 45), {"count": ("60", "120")}),
    "Personal Care": Kind(("Electric Toothbrush", "Shampoo", "Beard Trimmer", "Hair Dryer"), (5, 200), {}),
}

SENTENCES = (
    "Designed for everyday use and built to last.",
    "A customer favourite, with a {adjective} finish.",
    "Made by {brand} with carefully sourced materials.",
    "Lightweight, durable and easy to care for.",
    "Backed by a two-year warranty and free returns.",
    "Perfect as a gift or a treat for yourself.",
    "Tested by our team for comfort and reliability.",
)

REVIEW_TEXTS = {
    5: ("Excellent!", "Exactly what I hoped for. Would buy again."),
    4: ("Very good", "Great quality for the price; delivery was quick."),
    3: ("Decent", "Does the job, nothing special."),
    2: ("Not great", "The finish was disappointing."),
    1: ("Disappointed", "Stopped working after a week."),
}
RATING_WEIGHTS = (5, 7, 15, 33, 40)  # 1 to 5 stars

# Demo reviewers: their passwords are random (nobody logs in as them).
REVIEWERS = (
    ("alex.rivera", "Alex", "Rivera"),
    ("sam.okafor", "Sam", "Okafor"),
    ("mia.schmidt", "Mia", "Schmidt"),
    ("noah.tanaka", "Noah", "Tanaka"),
    ("lea.martin", "Lea", "Martin"),
    ("omar.haddad", "Omar", "Haddad"),
)
