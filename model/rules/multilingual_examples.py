"""Examples and near-misses of the multilingual rules (`model.rules.multilingual`)."""

from __future__ import annotations

from model.rules.base import Examples

EXAMPLES: dict[str, Examples] = {}
