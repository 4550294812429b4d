"""Audit sampling and the auto-apply switches (service/serving/audit.py) through the real HTTP
API, on SQLite and PostgreSQL: who goes to the queue, what reviewers' verdicts on audits
measure, when a class switches off by itself, and how admins and a new model version switch it
back on."""

from __future__ import annotations

import dataclasses
import math
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import beta
from sqlalchemy import func, select

from core.settings import Settings
from model.artifact import load_triager
from model.labels import HEAD_LABELS, Category, Decision
from model.records import FeedbackItem
from service.db import transaction
from service.serving.audit import AUDIT_REASON, AutoApplyGate, min_reviews_for, off_reason
from service.serving.holder import ModelHolder
from service.tables import AutoApplySwitch
from tests.service.console.test_ui import sign_in
from training.datasets import LabelledDataset
from training.train import TrainedModel, save_trained

RED = "We will sue you over the lost pallet, our lawyer is already on it."


@dataclasses.dataclass(frozen=True)
class Proposal:
    text: str
    category: str
    severity: str


def auto_applied(api: Any, calibration_set: LabelledDataset) -> list[Proposal]:
    """Texts of the calibration file that the served model would auto-apply, with its labels
    (asked of the model itself, so the tests follow whatever model and policy are current)."""
    rows = calibration_set.rows[:600]  # posted as text alone, so classified as text alone
    results = api.runtime.holder.triager.classify_many([FeedbackItem(r.item.text) for r in rows])
    found = [
        Proposal(row.item.text, result.category.value, result.severity.value)
        for row, result in zip(rows, results, strict=True)
        if result.decision is Decision.AUTO_APPLIED
        and result.category is not None
        and result.severity is not None
    ]
    assert len(found) >= 30, "the model auto-applies too few calibration texts for these tests"
    return found


def most_common_class(proposals: list[Proposal]) -> tuple[str, str, list[Proposal]]:
    """The most frequent (category, severity) among the proposals, and its proposals."""
    (category, severity), _ = Counter((p.category, p.severity) for p in proposals).most_common(1)[0]
    return (
        category,
        severity,
        [p for p in proposals if (p.category, p.severity) == (category, severity)],
    )


def post(api: Any, texts: list[str]) -> list[dict[str, Any]]:
    response = api.post("/v1/classify/batch", json={"items": [{"text": t} for t in texts]})
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 0
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def review(api: Any, item: dict[str, Any], category: str, severity: str) -> dict[str, Any]:
    action = (
        "confirm" if (category, severity) == (item["category"], item["severity"]) else "correct"
    )
    body = {"version": item["version"], "action": action}
    if action == "correct":
        body |= {"category": category, "severity": severity}
    response = api.post(f"/v1/items/{item['id']}/review", "reviewer", json=body)
    assert response.status_code == 200, response.text
    reviewed: dict[str, Any] = response.json()
    return reviewed


def other_category(category: str) -> str:
    return next(c.value for c in Category if c.value != category)


def audit_class(state: dict[str, Any], head: str, label: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        c for c in state["classes"] if (c["head"], c["label"]) == (head, label)
    )
    return found


def switch_rows(api: Any) -> int:
    with transaction(api.runtime.factory) as session:
        return int(session.scalar(select(func.count(AutoApplySwitch.id))) or 0)


# ---- the sample -----------------------------------------------------------------------------


def test_share_one_sends_every_would_be_auto_applied_item_to_the_queue(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    api = make_api(audit_share=1.0)
    proposals = auto_applied(api, calibration_set)[:8]
    items = post(api, [p.text for p in proposals] + [RED])
    for item in items[:-1]:
        assert item["decision"] == "auto_applied"  # what the policy said is kept
        assert item["status"] == "needs_review" and item["audit"] is True
        assert item["reasons"][-1] == AUDIT_REASON
    red = items[-1]
    assert red["decision"] == "rule_forced" and red["audit"] is False
    assert AUDIT_REASON not in red["reasons"]
    queued = api.get("/v1/queue", "reviewer", params={"limit": 50}).json()
    assert {i["id"] for i in queued["items"]} == {i["id"] for i in items}
    detail = api.get(f"/v1/items/{items[0]['id']}").json()
    assert detail["audit"] is True and detail["predictions"][0]["decision"] == "auto_applied"
    classified = next(e for e in detail["events"] if e["kind"] == "classified")
    assert classified["data"]["audit"] is True and classified["to_status"] == "needs_review"
    assert AUDIT_REASON in classified["data"]["reasons"]
    # A review moves an audit sample on like any waiting item, and it stays marked.
    done = review(api, items[0], items[0]["category"], items[0]["severity"])
    assert done["status"] == "routed" and done["audit"] is True and done["reviewed"]


def test_share_zero_audits_nothing(make_api: Any, calibration_set: LabelledDataset) -> None:
    api = make_api(audit_share=0.0)
    proposals = auto_applied(api, calibration_set)[:20]
    items = post(api, [p.text for p in proposals])
    assert all(i["status"] == "routed" and i["audit"] is False for i in items)
    assert all(AUDIT_REASON not in i["reasons"] for i in items)
    assert api.get("/v1/queue", "reviewer").json()["total"] == 0


def _audited_share(items: list[dict[str, Any]]) -> float:
    would = [i for i in items if i["decision"] == "auto_applied"]
    assert len(would) == len(items)
    for item in would:
        assert item["audit"] == (item["status"] == "needs_review")
        assert item["audit"] == (AUDIT_REASON in item["reasons"])
    return sum(i["audit"] for i in would) / len(would)


@pytest.mark.parametrize("seed", [20261204, None])
def test_a_share_audits_about_that_fraction_of_arrivals(
    make_api: Any, calibration_set: LabelledDataset, seed: int | None
) -> None:
    """Seeded (reproducible) and from the system's randomness: with 800 draws at 0.3, the
    audited fraction lies within 5 standard deviations (0.081) of 0.3 but for a chance of
    about 6e-7."""
    api = make_api(audit_share=0.3, audit_seed=seed)
    proposals = auto_applied(api, calibration_set)
    texts = [proposals[n % len(proposals)].text for n in range(800)]
    items = post(api, texts[:400]) + post(api, texts[400:])
    share = _audited_share(items)
    assert abs(share - 0.3) < 5 * math.sqrt(0.3 * 0.7 / len(items)), share
    if seed is not None:  # the same seed draws the same sample
        gate = AutoApplyGate(0.3, seed)
        assert [gate.draw() for _ in items] == [i["audit"] for i in items]


# ---- switch-off -----------------------------------------------------------------------------


def test_corrected_audits_switch_their_class_off_after_the_minimum(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    api = make_api(audit_share=1.0, audit_min_reviews=5)
    category, severity, proposals = most_common_class(auto_applied(api, calibration_set))
    wrong = other_category(category)
    items = post(api, [proposals[n % len(proposals)].text for n in range(6)])
    assert all(i["audit"] and i["category"] == category for i in items)
    for item in items[:4]:  # below the minimum: nothing switches
        review(api, item, wrong, severity)
    assert api.get("/v1/model").json()["auto_apply"]["switched_off"] == []
    assert switch_rows(api) == 0
    fifth = review(api, items[4], wrong, severity)
    # One review, one compare-and-set: the switch and its event do not bump the item again.
    assert fifth["version"] == items[4]["version"] + 1
    assert api.get(f"/v1/items/{fifth['id']}").json()["version"] == fifth["version"]
    model = api.get("/v1/model").json()
    assert f"category:{category}" in model["auto_apply"]["switched_off"]
    row = audit_class(model["auto_apply"]["audit"], "category", category)
    assert (row["reviewed"], row["correct"], row["enabled"]) == (5, 0, False)
    assert row["changed_by"] == "system" and "< target" in row["change_reason"]
    change = next(
        c
        for c in model["auto_apply"]["history"]
        if (c["head"], c["label"]) == ("category", category)
    )
    assert change["enabled"] is False and change["item_id"] == fifth["id"]
    assert change["model_version"] == model["model_version"]
    # The event is on the item whose review switched the class off.
    events = api.get(f"/v1/items/{fifth['id']}").json()["events"]
    switched = [e for e in events if e["kind"] == "auto_apply_switched_off"]
    assert {(e["data"]["head"], e["data"]["label"]) for e in switched} >= {("category", category)}
    event = next(e for e in switched if e["data"]["head"] == "category")
    assert event["actor_type"] == "system" and event["data"]["reviewed"] == 5
    assert event["data"]["correct"] == 0 and event["data"]["lower_bound"] < event["data"]["target"]
    # The next item of that class waits for a human because of the switch, audit or not.
    api.runtime.gate = AutoApplyGate(0.0)
    (held,) = post(api, [proposals[0].text])
    assert held["decision"] == "auto_applied" and held["audit"] is False
    assert held["status"] == "needs_review"
    assert off_reason("category", category) in held["reasons"]
    # A sixth corrected review does not switch it off twice.
    review(api, items[5], wrong, severity)
    with transaction(api.runtime.factory) as session:
        offs = session.scalar(
            select(func.count(AutoApplySwitch.id)).where(
                AutoApplySwitch.head == "category", AutoApplySwitch.label == category
            )
        )
    assert offs == 1


def test_only_the_failing_class_switches_off_under_the_upper_bound_rule(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    """With `upper`, a class goes off only once its audits show it misses the target: the
    category that reviewers corrected goes off, the severity they confirmed stays on."""
    api = make_api(audit_share=1.0, audit_min_reviews=5, audit_switch_off_bound="upper")
    proposals = auto_applied(api, calibration_set)
    category, severity, same = most_common_class(proposals)
    items = post(api, [same[n % len(same)].text for n in range(5)])
    for item in items:
        review(api, item, other_category(category), severity)
    model = api.get("/v1/model").json()["auto_apply"]
    assert model["switched_off"] == [f"category:{category}"]
    assert audit_class(model["audit"], "severity", severity)["enabled"] is True
    api.runtime.gate = AutoApplyGate(0.0)
    elsewhere = next(
        (p for p in proposals if p.category != category and p.severity == severity), None
    )
    texts = [same[0].text] + ([elsewhere.text] if elsewhere else [])
    held, *others = post(api, texts)
    assert held["status"] == "needs_review"
    assert held["reasons"][-1] == off_reason("category", category)
    for item in others:  # another category with the same severity is still auto-applied
        assert item["status"] == "routed"
        assert not any(r.startswith("auto_apply_off") for r in item["reasons"])


def test_with_the_lower_bound_rule_too_few_perfect_audits_cannot_keep_a_class_on(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    """The issue's rule (the default): the one-sided 95 % lower bound must reach the target.
    Five confirmed audits give a bound of 0.05 ** (1 / 5) = 0.549 < 0.95, so both classes go
    off at the minimum even though every label was right; the upper-bound rule keeps them on."""
    for rule, expected_off in (("lower", True), ("upper", False)):
        api = make_api(audit_share=1.0, audit_min_reviews=5, audit_switch_off_bound=rule)
        category, severity, same = most_common_class(auto_applied(api, calibration_set))
        for item in post(api, [same[n % len(same)].text for n in range(5)]):
            review(api, item, category, severity)
        state = api.get("/v1/model").json()["auto_apply"]
        row = audit_class(state["audit"], "category", category)
        assert (row["reviewed"], row["correct"]) == (5, 5)
        assert row["lower_bound"] == pytest.approx(0.05 ** (1 / 5))
        off = {f"category:{category}", f"severity:{severity}"}
        assert (set(state["switched_off"]) == off) is expected_off
        assert (state["switched_off"] == []) is not expected_off


def test_an_admin_switches_a_class_back_on_and_others_may_not(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    api = make_api(audit_share=1.0, audit_min_reviews=3)
    category, severity, same = most_common_class(auto_applied(api, calibration_set))
    for item in post(api, [same[n % len(same)].text for n in range(3)]):
        review(api, item, other_category(category), severity)
    assert f"category:{category}" in api.get("/v1/model").json()["auto_apply"]["switched_off"]
    body = {"head": "category", "label": category, "enabled": True, "reason": "labels fixed"}
    for role in ("helpdesk", "reviewer"):
        refused = api.post("/v1/model/auto-apply", role, json=body)
        assert refused.status_code == 403 and refused.json()["error"] == "ForbiddenError"
    before = switch_rows(api)
    assert before >= 1
    answer = api.post("/v1/model/auto-apply", "admin", json=body)
    assert answer.status_code == 200, answer.text
    state = answer.json()
    assert f"category:{category}" not in state["switched_off"]
    latest = state["history"][0]
    assert (latest["head"], latest["label"], latest["enabled"]) == ("category", category, True)
    assert latest["changed_by"] == "admin-test" and latest["actor_type"] == "human"
    assert latest["reason"] == "labels fixed" and latest["item_id"] is None
    assert switch_rows(api) == before + 1
    api.runtime.gate = AutoApplyGate(0.0)
    (item,) = post(api, [same[0].text])
    assert off_reason("category", category) not in item["reasons"]
    # Admins may switch a class off by hand too.
    off = api.post(
        "/v1/model/auto-apply", json={"head": "severity", "label": "green", "enabled": False}
    )
    assert off.status_code == 200 and "severity:green" in off.json()["switched_off"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"head": "sentiment", "label": "review", "enabled": True}, "head"),
        ({"head": "category", "label": "praise", "enabled": True}, "label"),
        ({"head": "category", "label": "green", "enabled": False}, "label"),
        ({"head": "severity", "label": "complaint", "enabled": True}, "label"),
        ({"head": "category", "label": "review", "enabled": "yes"}, "enabled"),
        ({"head": "category", "label": "review"}, "enabled"),
        ({"head": "category", "label": "review", "enabled": True, "who": "x"}, "who"),
    ],
)
def test_bad_switch_requests_get_a_clear_422_and_change_nothing(
    api: Any, body: dict[str, Any], field: str
) -> None:
    response = api.post("/v1/model/auto-apply", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["error"] == "ValidationError"
    assert any(e["loc"][-1] == field for e in problem["errors"]), problem
    if field == "label":
        assert f"is not a {body['head']} label" in problem["detail"]
        assert ", ".join(HEAD_LABELS[body["head"]]) in problem["detail"]
    assert switch_rows(api) == 0
    assert api.get("/v1/model").json()["auto_apply"]["switched_off"] == []


def test_a_new_model_version_starts_with_every_class_on(
    make_api: Any,
    calibration_set: LabelledDataset,
    trained: TrainedModel,
    model_path: Path,
    tmp_path: Path,
) -> None:
    renamed = tmp_path / "renamed.joblib"
    manifest = dataclasses.replace(trained.manifest, model_version="audit-test-new-version")
    save_trained(dataclasses.replace(trained, manifest=manifest), renamed)
    assert load_triager(renamed).model_version == "audit-test-new-version"
    live = tmp_path / "model.joblib"
    shutil.copyfile(model_path, live)
    holder = ModelHolder(Settings(model_source="file", model_path=live))
    holder.load()
    api = make_api(holder=holder, audit_share=1.0, audit_min_reviews=3)
    old = api.get("/v1/model").json()["model_version"]
    category, severity, same = most_common_class(auto_applied(api, calibration_set))
    for item in post(api, [same[n % len(same)].text for n in range(3)]):
        review(api, item, other_category(category), severity)
    assert f"category:{category}" in api.get("/v1/model").json()["auto_apply"]["switched_off"]

    shutil.copyfile(renamed, live)
    assert api.post("/v1/model/reload").status_code == 200
    model = api.get("/v1/model").json()
    assert model["model_version"] == "audit-test-new-version"
    assert model["auto_apply"]["switched_off"] == [] and model["auto_apply"]["history"] == []
    assert all(c["enabled"] and c["reviewed"] == 0 for c in model["auto_apply"]["audit"]["classes"])
    api.runtime.gate = AutoApplyGate(0.0)
    (fresh,) = post(api, [same[0].text])
    assert fresh["model_version"] == "audit-test-new-version" and fresh["status"] == "routed"

    shutil.copyfile(model_path, live)  # the old version again: its switches still hold
    assert api.post("/v1/model/reload").status_code == 200
    back = api.get("/v1/model").json()
    assert back["model_version"] == old
    assert f"category:{category}" in back["auto_apply"]["switched_off"]


# ---- the figures ----------------------------------------------------------------------------


def _expected(correct: int, reviewed: int) -> dict[str, float]:
    """Clopper-Pearson from the beta distribution, independently of the service's scipy call."""
    low2 = beta.ppf(0.025, correct, reviewed - correct + 1) if correct else 0.0
    high2 = beta.ppf(0.975, correct + 1, reviewed - correct) if correct < reviewed else 1.0
    low1 = beta.ppf(0.05, correct, reviewed - correct + 1) if correct else 0.0
    high1 = beta.ppf(0.95, correct + 1, reviewed - correct) if correct < reviewed else 1.0
    return {"ci_low": low2, "ci_high": high2, "lower_bound": low1, "upper_bound": high1}


def test_metrics_audit_section_matches_hand_counted_reviews(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    # Nothing switches here; the console needs plain-http cookies under the test client.
    api = make_api(audit_share=1.0, audit_min_reviews=1000, ui_cookie_secure=False)
    proposals = auto_applied(api, calibration_set)
    category, severity, same = most_common_class(proposals)
    items = post(api, [same[n % len(same)].text for n in range(7)] + [RED])
    audits, red = items[:7], items[7]
    wrong_category = other_category(category)
    wrong_severity = next(s for s in ("green", "yellow") if s != severity)
    # Seven audits of one (category, severity): 3 confirmed, 2 with the category corrected,
    # 1 with the severity corrected, 1 not reviewed yet; the last one is reviewed twice (the
    # latest review counts).
    review(api, audits[0], category, severity)
    review(api, audits[1], category, severity)
    review(api, audits[2], category, severity)
    review(api, audits[3], wrong_category, severity)
    review(api, audits[4], wrong_category, severity)
    first = review(api, audits[5], category, severity)
    review(api, first, category, wrong_severity)
    # A reviewed item that is no audit sample does not count.
    review(api, red, wrong_category, "red")

    section = api.get("/v1/metrics").json()["audit"]
    model = api.get("/v1/model").json()
    assert section["model_version"] == model["model_version"]
    assert section["target"] == model["thresholds"]["target_precision"]
    assert section["share"] == 1.0 and section["min_reviews"] == 1000
    assert section["switch_off_bound"] == "lower" and section["confidence"] == 0.95
    expected = {
        ("category", category): (7, 6, 4),  # audited, reviewed, correct
        ("severity", severity): (7, 6, 5),
    }
    assert len(section["classes"]) == sum(len(v) for v in HEAD_LABELS.values())
    for row in section["classes"]:
        audited, reviewed, correct = expected.get((row["head"], row["label"]), (0, 0, 0))
        assert (row["audited"], row["reviewed"], row["correct"]) == (audited, reviewed, correct)
        assert row["enabled"] is True and row["target"] == section["target"]
        if reviewed == 0:
            assert row["precision"] is None and row["lower_bound"] is None
            continue
        assert row["precision"] == pytest.approx(correct / reviewed)
        for key, value in _expected(correct, reviewed).items():
            assert row[key] == pytest.approx(value, abs=1e-9), (row, key)
    # The console's dashboard shows the same table.
    sign_in(api)
    html = api.client.get("/ui/dashboard").text
    assert "Auto-applied labels: audited precision" in html
    assert f"<td>category: {category}</td><td>7</td><td>4 / 6</td>" in html


def test_the_console_marks_audit_samples(make_api: Any, calibration_set: LabelledDataset) -> None:
    api = make_api(audit_share=1.0, ui_cookie_secure=False)
    proposal = auto_applied(api, calibration_set)[0]
    (item,) = post(api, [proposal.text])
    sign_in(api)
    queue = api.client.get("/ui/queue").text
    assert 'class="badge audit"' in queue
    page = api.client.get(f"/ui/items/{item['id']}").text
    assert 'class="badge audit"' in page and "Audit sample" in page
    assert AUDIT_REASON in page


@pytest.mark.parametrize(("target", "needed"), [(0.9, 29), (0.95, 59), (0.99, 299)])
def test_unset_minimum_is_what_a_perfect_record_needs_to_clear_the_target(
    target: float, needed: int
) -> None:
    settings = Settings(audit_min_reviews=None, audit_switch_off_bound="lower")
    assert min_reviews_for(settings, target) == needed
    # Exactly enough: all-correct audits of that many clear the target, one fewer do not.
    assert beta.ppf(0.05, needed, 1) >= target > beta.ppf(0.05, needed - 1, 1)
    assert min_reviews_for(Settings(audit_switch_off_bound="upper"), target) == 20
    assert min_reviews_for(Settings(audit_min_reviews=7), target) == 7


def test_by_default_perfect_audits_never_switch_a_class_off(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    """Under the default (lower-bound rule, minimum unset) a class is judged only once a
    perfect record could clear the target: twenty confirmed audits leave it on."""
    api = make_api(audit_share=1.0, audit_min_reviews=None)
    category, severity, same = most_common_class(auto_applied(api, calibration_set))
    for item in post(api, [same[n % len(same)].text for n in range(20)]):
        review(api, item, category, severity)
    section = api.get("/v1/metrics").json()["audit"]
    assert section["min_reviews"] == 59  # the model's target precision is 0.95
    assert api.get("/v1/model").json()["auto_apply"]["switched_off"] == []
