"""Schemas of the core endpoints."""

import marshmallow as ma


class PublicSettingsSchema(ma.Schema):
    """The public site settings, keyed by name (money values are strings)."""

    settings = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), required=True)
