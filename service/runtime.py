"""Everything a running service holds once: settings, database, model, policy, reply templates,
notifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from service.access.keys import Principal
from service.items.batching import ClassifyBatcher
from service.notifications.webhooks import Notifier
from service.replies.templates import ReplyTemplates
from service.routing.policy import RoutingPolicy
from service.serving.audit import AutoApplyGate
from service.serving.holder import ModelHolder

if TYPE_CHECKING:  # the worker's module imports the domains, which import this one
    from service.patterns.worker import PatternWorker

KEY_CACHE_SECONDS = 5.0


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    holder: ModelHolder
    policy: RoutingPolicy
    notifier: Notifier
    templates: ReplyTemplates
    # API key hash -> (caller, monotonic time the entry expires): most requests skip the
    # key query. Revoking through the API clears it; elsewhere a revocation takes effect
    # within KEY_CACHE_SECONDS.
    key_cache: dict[str, tuple[Principal, float]] = field(default_factory=dict)
    # SHA-256 of the routing policy file's bytes `policy` was read from, and of the last
    # changed file that was refused (logged once): see service/routing/reload.py.
    policy_digest: str | None = None
    policy_refused: str | None = None
    # Gathers concurrent single-item classify requests into one transaction; set by
    # `service.app.build_runtime`, which wires it to `flows.classify_submitted`.
    batcher: ClassifyBatcher = field(init=False)
    # Draws audit samples and holds back switched-off classes (service/serving/audit.py).
    gate: AutoApplyGate = field(init=False)
    # Themes and the burst detector (service/patterns/): set at the first round.
    patterns: PatternWorker | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.gate = AutoApplyGate.from_settings(self.settings)
