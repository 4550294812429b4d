"""Loading labelled files: every bad row is reported with its row number, nothing is dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import DatasetError
from model.labels import Category, FlagFamily, Severity
from training.datasets import load_labelled

HEADER = "id,text,category,severity,flags,source,rating,account_tier,hard_negative\n"


def write(tmp_path: Path, body: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_valid_file_loads_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            'a1,"Great tool, ""really"" fast",review,green,,g2,5,smb,false\n'
            "a2,We will sue you,complaint,red,legal;fraud,email,,strategic,false\n"
        ),
    )
    data = load_labelled(path)
    assert len(data) == 2
    first, second = data.rows
    assert first.item.text == 'Great tool, "really" fast'
    assert (first.category, first.severity, first.item.rating) == (
        Category.REVIEW,
        Severity.GREEN,
        5,
    )
    assert second.flags == frozenset({FlagFamily.LEGAL, FlagFamily.FRAUD})
    assert second.item.rating is None
    assert len(data.sha256) == 64


def test_every_bad_row_is_reported_with_its_number(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "1,Fine text here,review,green,,g2,4,,false\n"
            "2,,review,green,,g2,4,,false\n"
            "3,Some text,revew,green,,g2,4,,false\n"
            "4,Some text,review,purple,,g2,4,,false\n"
            "5,Some text,review,green,,g2,9,,false\n"
            "6,Threat text,complaint,yellow,legal,email,,,false\n"
            "7,Other text,complaint,red,lawsuit,email,,,false\n"
            "8,   ,review,green,,g2,3,,false\n"
            "1,Duplicate id,review,green,,g2,3,,false\n"
            "10,Too few fields\n"
        ),
    )
    with pytest.raises(DatasetError) as caught:
        load_labelled(path)
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "row 2",
        "row 3",
        "row 4",
        "row 5",
        "row 6",
        "row 7",
        "row 8",
        "row 9",
        "row 10",
    ]
    text = "\n".join(problems)
    assert "text is missing" in problems[0] or "text is empty" in problems[0]
    assert "unknown category 'revew'" in text
    assert "unknown severity 'purple'" in text
    assert "rating must be an integer from 1 to 5" in text
    assert "an item with a red flag is red" in text
    assert "unknown flag 'lawsuit'" in text
    assert "duplicate id '1'" in text
    assert "has 2 fields, header has 9" in text
    assert str(path) in str(caught.value)


def test_jsonl_with_broken_lines_and_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    good = {"text": "Works well", "category": "review", "severity": "green", "flags": []}
    with path.open("wb") as handle:
        handle.write((json.dumps(good) + "\n").encode())
        handle.write(b"{not json\n")
        handle.write(b'{"text": "bad \xff byte", "category": "review", "severity": "green"}\n')
        handle.write(b"[1, 2]\n")
        handle.write((json.dumps(good | {"flags": ["safety"]}) + "\n").encode())
    with pytest.raises(DatasetError) as caught:
        load_labelled(path)
    problems = caught.value.problems
    assert problems[0].startswith("row 2: is not valid JSON")
    assert problems[1] == "row 3: is not valid UTF-8"
    assert problems[2] == "row 4: is not a JSON object"
    assert problems[3].startswith("row 5:") and "red" in problems[3]


def test_missing_text_column_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no_text.csv"
    path.write_text("id,body,category,severity\n1,x,review,green\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no 'text' column"):
        load_labelled(path)
    with pytest.raises(DatasetError, match="file not found"):
        load_labelled(tmp_path / "absent.csv")
    empty = write(tmp_path, "", "empty.csv")
    with pytest.raises(DatasetError, match="no rows"):
        load_labelled(empty)
