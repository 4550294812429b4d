"""API keys, roles and who is calling: the keys' service functions, schemas and /v1/keys routes."""
