"""The two sentence encoders behind patterns, loaded once per process.

Themes need all-MiniLM-L6-v2: on BANKING77 its themes reach NMI 0.77 against the intents, the
static encoder's only 0.39-0.52 (benchmarks/RESULTS.md). MiniLM costs 7-9 ms per text, far
over the 1 ms the classify path may grow by, so themes are assigned here, off that path. The
burst detector was tuned on the static encoder (tens of microseconds per text), whose centred
vectors tell paraphrases of one outage apart from the background (model/incidents/).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from core.errors import ArtifactError

log = logging.getLogger(__name__)

Encode = Callable[[Sequence[str]], NDArray[np.float32]]


@dataclass(frozen=True)
class PatternEncoders:
    """`theme` and `detector` are None when their weights are missing (`triage
    fetch-embeddings`): items then get no theme, or the detector does not run."""

    theme: Encode | None
    detector: Encode | None
    detector_dim: int
    theme_name: str = ""  # the theme encoder's folder name, stored with each item's vector


def _minilm() -> Encode:
    from model.embeddings import default_encoder

    encoder = default_encoder()
    return lambda texts: encoder.encode(texts).astype(np.float32)


def load_pattern_encoders() -> PatternEncoders:
    """The configured encoders; a missing one is logged once and left out."""
    from model.static_embeddings import default_static_encoder

    theme: Encode | None = None
    detector: Encode | None = None
    dim = 0
    try:
        theme = _minilm()
    except ArtifactError as exc:
        log.warning("themes are off: %s", exc)
    try:
        static = default_static_encoder()
        dim = static.dim
        detector = lambda texts: static.encode(texts).astype(np.float32)  # noqa: E731
    except ArtifactError as exc:
        log.warning("incident detection is off: %s", exc)
    return PatternEncoders(
        theme=theme, detector=detector, detector_dim=dim, theme_name=theme_encoder_name()
    )


def theme_encoder_name() -> str:
    """What item vectors are stored under: the theme encoder's folder (a re-fit uses the same)."""
    from core.settings import get_settings

    return get_settings().embeddings_dir.name
