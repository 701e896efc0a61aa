"""Core: site settings, email templates and mail delivery shared by every domain."""
