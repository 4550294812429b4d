"""Red-flag phrases in other languages: each fires with its family and says its language;
English lookalikes and harmless uses do not fire; hits keep their language when stored."""

from __future__ import annotations

import pytest

from model.labels import FlagFamily
from model.rules import RedFlagHit, RedFlagRules
from model.rules.multilingual import TABLES, _exact
from service.items.schemas import RedFlagPublic

L, S, F, H = FlagFamily.LEGAL, FlagFamily.SECURITY, FlagFamily.FRAUD, FlagFamily.SAFETY

MUST_FIRE = [
    ("de", L, "Wir werden rechtliche Schritte gegen Ihre Firma einleiten."),
    ("de", L, "Ich verklage Sie, mein Anwalt meldet sich."),
    ("de", L, "Wir haben Klage eingereicht."),
    ("de", S, "Mein Konto wurde gehackt, ein Datenleck bei Ihnen?"),
    ("de", F, "Das ist Betrug: eine nicht autorisierte Abbuchung von 300 Euro."),
    ("de", H, "Mein Sohn hat sich an dem Gerät verletzt und musste ins Krankenhaus."),
    ("fr", L, "Je vais porter plainte et contacter mon avocat."),
    ("fr", L, "Nous allons vous poursuivre en justice."),
    ("fr", S, "Mon compte a été piraté, c'est une fuite de données."),
    ("fr", F, "C'est une arnaque, une vraie escroquerie."),
    ("fr", F, "Prélèvement non autorisé sur mon compte !"),
    ("fr", H, "Le chargeur a pris feu et ma fille est blessée."),
    ("es", L, "Voy a hablar con mi abogado y poner una demanda."),
    ("es", S, "Mi cuenta fue hackeada y hubo acceso no autorizado."),
    ("es", F, "Es una estafa, un fraude total."),
    ("es", F, "Tengo un cargo no autorizado en mi tarjeta."),
    ("es", H, "Me quemé con la plancha, tengo quemaduras."),
    ("it", L, "Mi rivolgerò a un avvocato e farò causa."),
    ("it", L, "Ho sporto denuncia ai carabinieri."),
    ("it", S, "Il mio account è stato hackerato."),
    ("it", F, "È una truffa, siamo stati truffati."),
    ("it", H, "Mio figlio è finito al pronto soccorso con ustioni."),
    ("nl", L, "Mijn advocaat start een rechtszaak."),
    ("nl", S, "Er is een datalek en mijn account is gehackt."),
    ("nl", F, "Dit is oplichting, jullie zijn oplichters."),
    ("nl", H, "Mijn dochter is gewond geraakt en moest naar het ziekenhuis."),
    ("pt", L, "Vou processar a empresa, já falei com meu advogado."),
    ("pt", S, "Minha conta foi hackeada e meus dados vazaram."),
    ("pt", F, "Isso é golpe! Compra não reconhecida no cartão."),
    ("pt", H, "O carregador explodiu e pegou fogo."),
]


@pytest.mark.parametrize(("language", "family", "text"), MUST_FIRE)
def test_phrase_fires_with_family_and_language(
    rules: RedFlagRules, language: str, family: FlagFamily, text: str
) -> None:
    hits = [hit for hit in rules.find(text) if hit.family is family]
    assert hits, text
    assert {hit.language for hit in hits} == {language}, hits
    assert all(hit.rule.startswith(f"{family.value}.{language}.") for hit in hits)


def test_every_language_covers_legal_security_and_fraud() -> None:
    assert set(TABLES) == {"de", "fr", "es", "it", "nl", "pt"}
    for table in TABLES.values():
        assert {L, S, F} <= set(table)


@pytest.mark.parametrize(
    "text",
    [
        "Sehr zufrieden, schnelle Lieferung und freundlicher Kundenservice.",
        "Très bon produit, livraison rapide, je recommande.",
        "La demanda de este producto es muy alta, llegó rápido.",
        "Ottimo servizio, consegna veloce, lo consiglio.",
        "Prima app, werkt goed en snel.",
        "Em processo de entrega, chegou tudo certo, recomendo.",
        "Das Gesetz wurde verletzt? Nein, alles korrekt, danke.",
        # English texts with words that exist in these languages' tables without diacritics
        "The pirate-themed party kit was a hit with the kids.",
        "Our process for returns is simple and the menace of delays is gone.",
        "Great vole repellent, the garden is fine now.",
    ],
)
def test_harmless_lookalikes_do_not_fire(rules: RedFlagRules, text: str) -> None:
    hits = rules.find(text)
    assert [hit for hit in hits if hit.language != "en"] == [], hits


@pytest.mark.parametrize(
    "text", ["Mon compte a ete pirate", "Die Anwaelte", "Die Anwalte", "l’avocat", "dell'avvocato"]
)
def test_spelling_variants_match(rules: RedFlagRules, text: str) -> None:
    assert rules.find(text), text


def test_variants_drop_english_words_only_when_alone() -> None:
    assert "pirate" not in _exact("piraté", "fr")
    assert "vole" in _exact("(ont) volé", "fr")
    assert "l'avocat" in _exact("avocat", "fr") and "l’avocat" in _exact("avocat", "fr")
    assert "anwaelte" in _exact("anwälte", "de") and "anwalte" in _exact("anwälte", "de")


def test_shared_word_takes_the_texts_language(rules: RedFlagRules) -> None:
    spanish = [hit.language for hit in rules.find("Es un fraude, pero muy claro que no")]
    french = [hit.language for hit in rules.find("C'est une fraude, je ne suis pas content")]
    portuguese = [hit.language for hit in rules.find("Foi uma fraude, não recebi o dinheiro")]
    assert spanish == ["es"] and french == ["fr"] and portuguese == ["pt"]


def test_hit_language_is_serialised_and_defaults_to_english() -> None:
    hit = RedFlagHit(F, "fraud.fr.fraud", "arnaque", 8, 15, language="fr")
    assert hit.to_dict()["language"] == "fr"
    assert RedFlagHit(L, "legal.sue", "sue", 0, 3).language == "en"
    stored_before_v2 = {"family": "legal", "rule": "legal.sue", "text": "sue", "start": 0, "end": 3}
    assert RedFlagPublic.model_validate(stored_before_v2).language == "en"
    assert RedFlagPublic.model_validate(hit.to_dict()).language == "fr"


@pytest.mark.parametrize("text", [t for _, _, t in MUST_FIRE])
def test_prefilter_lets_multilingual_phrases_through(rules: RedFlagRules, text: str) -> None:
    assert rules.may_hit(text)
    assert rules.find(text) == rules.find_unfiltered(text)
