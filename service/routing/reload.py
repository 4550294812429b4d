"""A routing policy changed on disk reaches a running service without a restart.

Each service process reads the policy file (`TRIAGE_ROUTING_POLICY`) again every
`TRIAGE_POLICY_POLL_SECONDS` and compares the SHA-256 of its bytes with the one in force (the
content, not the modification time, which copies and checkouts may keep or reset). A changed
file is validated as at start-up: a valid one replaces the policy in one assignment (a request
already running keeps the one it read); an invalid or half-written one is refused, logged
once, and the policy in force stays until the file changes again.
"""

from __future__ import annotations

import logging

from service.routing.policy import PolicyError, RoutingPolicy, load_policy_file
from service.runtime import Runtime

log = logging.getLogger(__name__)


def reload_policy(runtime: Runtime) -> RoutingPolicy | None:
    """Swap in the routing policy file's content when it changed since it was loaded and is
    valid; the new policy, or None when the file is unchanged or was refused."""
    path = runtime.settings.routing_policy
    try:
        policy, digest = load_policy_file(path)
    except PolicyError as exc:
        # What it refuses cannot be told apart by content (unreadable, half-written), so it
        # is reported once per distinct message, not every round.
        message = str(exc)
        if runtime.policy_refused != message:
            runtime.policy_refused = message
            log.error(
                "routing policy not reloaded, still using %s: %s", runtime.policy.version, exc
            )
        return None
    runtime.policy_refused = None
    if digest == runtime.policy_digest:
        return None
    before = runtime.policy.version
    runtime.policy = policy
    runtime.policy_digest = digest
    log.info("routing policy reloaded: %s (was %s)", policy.version, before)
    return policy
