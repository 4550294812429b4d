"""The compiled rules' pickle cache: compiled once per rules source and spaCy install into
`TRIAGE_CACHE_DIR`, read back at start-up."""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
from importlib import metadata
from pathlib import Path

from model.files import write_atomically
from model.rules.engine import RedFlagRules
from model.rules.version import RULES_VERSION

_log = logging.getLogger(__name__)


def _cache_key() -> str:
    """What the compiled rules depend on: the sources of this package's modules (phrases,
    compiler), spaCy and its lookup tables (tokens, lemmas) and the Python that pickled them."""
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    for name in ("spacy", "spacy-lookups-data"):
        try:
            digest.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none;".encode())
    digest.update(f"{RULES_VERSION};{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:24]


def load_rules(cache_dir: Path | None) -> RedFlagRules:
    """The built-in rules, read from `cache_dir` when compiled there before, else compiled
    and saved there for next time.

    Compiling analyses every phrase word with spaCy (about a second); reading the compiled
    tries back takes a fraction of that, which is most of a server's start-up otherwise. The
    file name carries a digest of this module and of the spaCy install, so a change to any
    phrase or to spaCy compiles afresh. An unreadable cache file is replaced, never trusted,
    and a folder that cannot be written only costs the saving. The file is a pickle that only
    this function writes: keep `cache_dir` as private as the model files.
    """
    if cache_dir is None:
        return RedFlagRules()
    path = cache_dir / f"rules-{_cache_key()}.pickle"
    if path.is_file():
        try:
            loaded = pickle.loads(path.read_bytes())
        except Exception as exc:  # a truncated or foreign file: compile again
            _log.warning("compiled rules cache %s is unreadable (%r); recompiling", path, exc)
        else:
            if isinstance(loaded, RedFlagRules) and loaded.version == RULES_VERSION:
                return loaded
            _log.warning("compiled rules cache %s holds something else; recompiling", path)
    rules = RedFlagRules()
    try:
        write_atomically(
            path, lambda tmp: tmp.write_bytes(pickle.dumps(rules, pickle.HIGHEST_PROTOCOL))
        )
    except OSError as exc:
        _log.warning("cannot save the compiled rules to %s (%s); compiling each time", path, exc)
    return rules
