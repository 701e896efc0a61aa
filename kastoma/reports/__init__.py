"""Staff statistics and analytics across domains: they read the catalogue and the orders directly."""
