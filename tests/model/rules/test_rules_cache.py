"""The compiled rules cache: same hits as compiling afresh, and a bad cache never trusted."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from model.rules import RULES_VERSION, RedFlagRules, load_rules
from training.datasets import LabelledDataset

STRESS = [
    "They hacked our account and stole the money; my lawyer will sue you.",
    "Our legal team liked the contract templates and the fraud detection module.",
    "A.M. :) rip-off!!! cease-and-desist... taking legal action",
    "",
    "x",
]


def _cached_file(cache_dir: Path) -> Path:
    [path] = [p for p in cache_dir.iterdir() if p.suffix == ".pickle"]
    return path


def test_rules_read_back_from_the_cache_find_what_compiled_rules_find(
    tmp_path: Path, rules: RedFlagRules, calibration_set: LabelledDataset
) -> None:
    first = load_rules(tmp_path)
    saved = _cached_file(tmp_path)
    written = saved.stat().st_mtime_ns
    loaded = load_rules(tmp_path)
    assert loaded is not first and loaded.nlp is not first.nlp
    assert saved.stat().st_mtime_ns == written  # read, not compiled and written again
    assert loaded.version == RULES_VERSION
    texts = [item.text for item in calibration_set.items] + STRESS
    assert loaded.find_many(texts) == rules.find_many(texts)
    assert [loaded.find(text) for text in texts] == [rules.find(text) for text in texts]
    assert any(loaded.find_many(texts))  # the comparison covers texts with hits


def test_an_unreadable_cache_file_is_replaced(
    tmp_path: Path, rules: RedFlagRules, caplog: pytest.LogCaptureFixture
) -> None:
    load_rules(tmp_path)
    saved = _cached_file(tmp_path)
    saved.write_bytes(saved.read_bytes()[:1000])  # truncated
    with caplog.at_level(logging.WARNING, logger="model.rules.cache"):
        recompiled = load_rules(tmp_path)
    assert "unreadable" in caplog.text
    assert recompiled.find(STRESS[0]) == rules.find(STRESS[0])
    assert isinstance(pickle.loads(saved.read_bytes()), RedFlagRules)  # written afresh


def test_a_cache_file_holding_something_else_is_not_trusted(
    tmp_path: Path, rules: RedFlagRules, caplog: pytest.LogCaptureFixture
) -> None:
    load_rules(tmp_path)
    saved = _cached_file(tmp_path)
    saved.write_bytes(pickle.dumps({"not": "rules"}))
    with caplog.at_level(logging.WARNING, logger="model.rules.cache"):
        recompiled = load_rules(tmp_path)
    assert "something else" in caplog.text
    assert recompiled.find(STRESS[0]) == rules.find(STRESS[0])


def test_a_folder_that_cannot_be_written_only_costs_the_saving(
    tmp_path: Path, rules: RedFlagRules, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("in the way")
    with caplog.at_level(logging.WARNING, logger="model.rules.cache"):
        compiled = load_rules(blocked / "cache")
    assert "cannot save" in caplog.text
    assert compiled.find(STRESS[0]) == rules.find(STRESS[0])
    assert list(tmp_path.iterdir()) == [blocked]  # no temporary file left behind


def test_no_cache_folder_compiles() -> None:
    assert isinstance(load_rules(None), RedFlagRules)
