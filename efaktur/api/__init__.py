"""The JSON API for billing systems: /api/v1, bearer tokens, the same services as the pages."""

# The blueprints that answer billing systems (JSON, bearer tokens, English), not people in a browser.
API_BLUEPRINTS = {"api_v1", "api-docs", "api_reference"}
