"""Users: accounts, JWT authentication, profiles, saved addresses and wishlists."""
