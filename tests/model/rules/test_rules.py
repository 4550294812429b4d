"""Red-flag rules, phrase by phrase: what must fire, and the hard negatives that must not."""

from __future__ import annotations

import pytest

from model.labels import FlagFamily
from model.rules import RedFlagRules, compile_phrase

MUST_FIRE = [
    ("We will sue you if this is not fixed.", FlagFamily.LEGAL),
    ("They sued our previous supplier over the same thing.", FlagFamily.LEGAL),
    ("We are suing for the lost revenue.", FlagFamily.LEGAL),
    ("Taking legal action next week.", FlagFamily.LEGAL),
    ("My lawyer will be in touch.", FlagFamily.LEGAL),
    ("My laywer has the paperwork.", FlagFamily.LEGAL),
    ("This is going to small claims court.", FlagFamily.LEGAL),
    ("Expect a cease-and-desist by Friday.", FlagFamily.LEGAL),
    ("We have filed a complaint with the ombudsman.", FlagFamily.LEGAL),
    ("Our general counsel has been instructed.", FlagFamily.LEGAL),
    ("We were hacked through your plugin.", FlagFamily.SECURITY),
    ("My account was taken over last night.", FlagFamily.SECURITY),
    ("There has been a data breach at your end.", FlagFamily.SECURITY),
    ("Someone logged into our admin account from Brazil.", FlagFamily.SECURITY),
    ("We got a phishing email from your domain.", FlagFamily.SECURITY),
    ("Passwords are stored in plain text!", FlagFamily.SECURITY),
    ("Our customer list leaked online.", FlagFamily.SECURITY),
    ("I could see another customer's invoices in my dashboard.", FlagFamily.SECURITY),
    ("This company is a total scam.", FlagFamily.FRAUD),
    ("They stole our deposit and vanished.", FlagFamily.FRAUD),
    ("There is an unauthorized charge of $400 on our card.", FlagFamily.FRAUD),
    ("Charged us twice on purpose, then ignored us.", FlagFamily.FRAUD),
    ("We have filed a chargeback with our bank.", FlagFamily.FRAUD),
    ("Someone used my identity to open an account.", FlagFamily.FRAUD),
    ("We received a fake invoice with your logo.", FlagFamily.FRAUD),
    ("these guys are con artists", FlagFamily.FRAUD),
    ("Someone at your office is going to get hurt.", FlagFamily.SAFETY),
    ("I'll burn your warehouse down.", FlagFamily.SAFETY),
    ("I want to end it all.", FlagFamily.SAFETY),
    ("I'm going to kill myself over this debt.", FlagFamily.SAFETY),
    ("I don't see the point of living anymore.", FlagFamily.SAFETY),
    ("He said he'd stab me if I complained again.", FlagFamily.SAFETY),
    ("I'll be waiting outside your depot.", FlagFamily.SAFETY),
    # v2: what real feedback says
    ("the scanner cut a worker's hand, he needed stitches", FlagFamily.SAFETY),
    ("The charger caught fire on my desk overnight.", FlagFamily.SAFETY),
    ("Found glass pieces in the baby food jar.", FlagFamily.SAFETY),
    ("These treats made my dog sick, we ended up at the emergency vet.", FlagFamily.SAFETY),
    ("They keep coming to my home and calling my employer.", FlagFamily.SAFETY),
    ("I can see other customers' orders and addresses in my app.", FlagFamily.SECURITY),
    ("My documents were set to private but are visible to anyone.", FlagFamily.SECURITY),
    ("Someone got into my account and changed the password.", FlagFamily.SECURITY),
    ("My wallet was stolen with the card inside.", FlagFamily.SECURITY),
    ("There are inquiries on my report I did not authorize.", FlagFamily.FRAUD),
    ("They charged me without my permission.", FlagFamily.FRAUD),
    ("This is a clear violation of the FCRA.", FlagFamily.LEGAL),
    ("Wir werden rechtliche Schritte gegen Ihre Firma einleiten", FlagFamily.LEGAL),
]

HARD_NEGATIVES = [
    "So happy I can get these chips online, hard to find them in stores.",
    "Don't be cheap, pay the premium. You won't regret it.",
    "I prefer this app to logging into my account in a browser.",
    "Great app, I still have access to my notes everywhere.",
    "I'm sick of searching stores, so I buy it here. Love it.",
    "We cut costs by 20% and the team loves the dashboard.",
    "The fraud detection module is excellent.",
    "Killer feature: the bulk editor.",
    "Our legal team liked the contract templates.",
    "We hacked together a quick workaround for the export.",
    "I'd kill for a dark mode.",
    "Shoot me an email with the pricing.",
    "This update is a lifesaver.",
    "The chargeback reports save us hours.",
    "Sue from support sorted it in five minutes, thanks Sue!",
    "We use the court booking app for our tennis club.",
    "The SOC 2 report answered our security questionnaire.",
    "How do I run a phishing simulation campaign?",
    "At this price the plan is a steal.",
    "We bombed the demo, our fault not yours.",
    "Can you kill the sync job so I can restart it?",
    "Is your tool GDPR compliant?",
]


@pytest.mark.parametrize(("text", "family"), MUST_FIRE)
def test_rule_fires(rules: RedFlagRules, text: str, family: FlagFamily) -> None:
    hits = rules.find(text)
    assert family in {hit.family for hit in hits}, hits


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negative_does_not_fire(rules: RedFlagRules, text: str) -> None:
    assert rules.find(text) == []


def test_hit_reports_rule_and_exact_span(rules: RedFlagRules) -> None:
    text = "Honestly, they are SUING us now and our attorney agrees."
    hits = rules.find(text)
    assert [hit.family for hit in hits] == [FlagFamily.LEGAL, FlagFamily.LEGAL]
    for hit in hits:
        assert text[hit.start : hit.end] == hit.text
        assert hit.rule.startswith("legal.")
    assert {hit.text for hit in hits} == {"SUING", "attorney"}
    assert hits[0].to_dict() == {
        "family": "legal",
        "rule": "legal.sue",
        "text": "SUING",
        "start": text.index("SUING"),
        "end": text.index("SUING") + len("SUING"),
        "language": "en",
    }


def test_inflections_match_through_lemmas(rules: RedFlagRules) -> None:
    for text in ("they sue", "they sued", "they are suing", "she sues"):
        assert [h.rule for h in rules.find(text)] == ["legal.sue"], text


def test_overlapping_hits_keep_the_longest(rules: RedFlagRules) -> None:
    hits = rules.find("They filed a class action lawsuit.")
    assert len(hits) == 2  # "class action" and "lawsuit" do not overlap
    spans = [(h.start, h.end) for h in hits]
    assert spans == sorted(spans)


def test_empty_and_harmless_texts(rules: RedFlagRules) -> None:
    assert rules.find("Great product, smooth onboarding.") == []
    assert rules.find_many(["", "ok"]) == [[], []]


def test_phrase_language_rejects_nested_groups(rules: RedFlagRules) -> None:
    with pytest.raises(ValueError, match="cannot nest"):
        compile_phrase("(a|b (c|d)) e", rules._analyze)


def test_phrase_language_expands_multiword_alternatives(rules: RedFlagRules) -> None:
    patterns = compile_phrase("(plain text|cleartext) password", rules._analyze)
    assert len(patterns) == 2
    assert rules.find("they keep passwords in cleartext password files") != []
