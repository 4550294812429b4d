"""Webhook notifications: the outbox, the sender, and the /v1/webhooks routes."""
