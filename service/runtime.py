"""Everything a running service holds once: settings, database, model, policy, notifier."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.model_holder import ModelHolder
from service.routing import RoutingPolicy
from service.webhooks import Notifier
from triage.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    holder: ModelHolder
    policy: RoutingPolicy
    notifier: Notifier
