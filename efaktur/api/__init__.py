"""The JSON API for billing systems: /api/v1, bearer tokens, the same services as the pages."""
