"""The rules version every prediction records. Bump it whenever a phrase, an exception or a
matching setting changes, then rewrite the lock: `python -m model.rules.lock`."""

RULES_VERSION = "red_flags.v3"
