"""Red-flag phrases in German, French, Spanish, Italian, Dutch and Portuguese.

The pipeline is a blank English one with English lemmas, so these phrases match lower-cased
word forms exactly, inflections spelt out. `_exact` turns a phrase into the phrase language of
`model.rules.compile_phrase` with every group exact ("=") and adds, for each word, its form
without diacritics ("piraté" -> "pirate" is left out where that is an English word, see
`_ENGLISH`), German umlauts as "ae", "oe", "ue" and "ß" as "ss", and in French and Italian the
elided forms the English tokenizer keeps as one token ("l'avocat", "dell'avvocato").

Only words that are not English words stand alone; short or ambiguous words ("golpe",
"processo", "causa", "anzeige") need a neighbour. A hit reports the phrase's language; when
several languages share a word ("fraude"), `COMMON_WORDS` decides which one the text is in.
"""

from __future__ import annotations

import unicodedata
from itertools import product

from model.labels import FlagFamily
from model.rules.base import FamilyRules

LANGUAGES = ("de", "fr", "es", "it", "nl", "pt")

# Function words per language, to tell which language a text is in when phrases of several
# languages match the same words.
_COMMON = {
    "en": "the and of to is was my i you it we they this that with for not have",
    "de": "der die das und ist nicht ich wir sie ihr mein meine ein eine mit auf",
    "fr": "le la les et est je nous vous une des du pas mon ma mes avec pour qui",
    "es": "el los las y es yo mi mis del por para con que muy pero está hay esta este tengo",
    "it": "il lo gli è io mio mia della alla nel per con che non sono ho anche ma questo",
    "nl": "de het een en is ik mijn wij jullie niet met voor van dat er zijn",
    "pt": "o a os as e é eu meu minha uma um do da não com para que por foi",
}
COMMON_WORDS = {language: frozenset(words.split()) for language, words in _COMMON.items()}

# Forms without diacritics that are English words: never added as stand-alone variants.
_ENGLISH_WORDS = "pirate pirates vole vol lesion lesions menace intoxication proces coupe brule"
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_ELISIONS = {
    "fr": ("l'", "d'", "j'", "qu'", "n'", "s'", "c'", "m'"),
    "it": ("l'", "d'", "un'", "all'", "dell'", "dall'", "nell'", "sull'"),
}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _word_forms(word: str, language: str, *, alone: bool, first: bool) -> list[str]:
    forms = [word]
    for variant in (_plain(word), word.translate(_UMLAUTS) if language == "de" else word):
        if variant not in forms and not (alone and variant in _ENGLISH):
            forms.append(variant)
    if first and language in _ELISIONS and len(word) > 3 and word[:1] in "aeiouhéèêàâîôûœ":
        forms += [f"{e}{form}" for form in list(forms) for e in _ELISIONS[language]]
        forms += [form.replace("'", "’") for form in forms if "'" in form]
    return forms


def _split(phrase: str) -> list[str]:
    groups, depth, current = [], 0, ""
    for char in phrase.strip():
        depth += (char == "(") - (char == ")")
        if char == " " and depth == 0:
            groups.append(current)
            current = ""
        else:
            current += char
    return [*groups, current]


def _exact(phrase: str, language: str) -> str:
    """The phrase with exact groups and the spelling variants described above. A phrase
    without parentheses or gaps is one group: "plainte|porter plainte" is two alternatives."""
    if "(" not in phrase and "*" not in phrase:
        phrase = f"({phrase})"
    groups = _split(phrase)
    out = []
    for group in groups:
        optional = group.endswith("?")
        body = group[:-1] if optional else group
        body = body.strip("()")
        if body == "*":
            out.append("*")
            continue
        alone = len(groups) == 1
        alternatives: list[str] = []
        for alternative in body.split("|"):
            words = alternative.split()
            options = [
                _word_forms(w, language, alone=alone and len(words) == 1, first=i == 0)
                for i, w in enumerate(words)
            ]
            for combination in product(*options):
                joined = " ".join(combination)
                if joined not in alternatives:
                    alternatives.append(joined)
        out.append(f"(={'|'.join(alternatives)}){'?' if optional else ''}")
    return " ".join(out)


_Table = dict[FlagFamily, dict[str, list[str]]]
L, S, F, H = FlagFamily.LEGAL, FlagFamily.SECURITY, FlagFamily.FRAUD, FlagFamily.SAFETY

GERMAN: _Table = {
    L: {
        "sue": [
            "verklagen|verklage|verklagt|verklagte|verklagten|verklagen|verklag|anklagen",
            "klage|klagen|sammelklage|strafanzeige|strafantrag|abmahnung|abmahnen|mahnbescheid",
            "(klage|anzeige) (einreichen|eingereicht|erheben|erhoben|erstatten|erstattet"
            "|erstatte|stellen|gestellt)",
        ],
        "lawyer": [
            "anwalt|anwälte|anwältin|anwalts|rechtsanwalt|rechtsanwälte|rechtsanwältin"
            "|anwaltskanzlei|anwaltlich|anwaltliche|anwaltlichen|fachanwalt|rechtsbeistand",
        ],
        "legal_action": [
            "(rechtliche|rechtlichen|juristische|juristischen|gerichtliche|gerichtlichen"
            "|rechtlicher) (schritte|schritten|konsequenzen|mittel|weg|wege|verfahren"
            "|auseinandersetzung)",
            "gericht|gerichte|gerichtlich|amtsgericht|landgericht|gerichtsverfahren|vor gericht",
            "schadensersatz|schadenersatz|schmerzensgeld|rechtsweg|rechtsstreit",
            "(illegal|illegale|illegalen|rechtswidrig|rechtswidrige|gesetzwidrig|strafbar)",
        ],
        "regulator": [
            "verbraucherzentrale|verbraucherschutz|bundesnetzagentur|bafin|schlichtungsstelle"
            "|datenschutzbehörde|datenschutzbeauftragte|datenschutzbeauftragten|polizei"
            "|staatsanwaltschaft|datenschutzbeschwerde|ombudsmann",
            "(dsgvo|datenschutz|datenschutzgesetz) * (verstoß|verstoßen|verletzt|verletzung"
            "|beschwerde|verstöße)",
            "(verstoß|verstöße|verstoßen) * (dsgvo|datenschutz|gesetz)",
        ],
    },
    S: {
        "hacked": [
            "gehackt|gehacked|hackerangriff|cyberangriff|datenleck|datenlecks|datenpanne"
            "|datendiebstahl|sicherheitslücke|datenschutzverletzung|gekapert|phishingmail",
            "(unbefugter|unbefugte|unbefugten|unberechtigter|unberechtigte|unberechtigten|fremder"
            "|fremde|fremden|nicht autorisierter|nicht autorisierte) (zugriff|zugriffe|zugang"
            "|login|anmeldung|anmeldungen|person|personen)",
            "(konto|account|zugang) * (übernommen|gekapert|gesperrt und|kompromittiert"
            "|missbraucht)",
            "(jemand|fremde|unbekannte) * (eingeloggt|angemeldet|zugriff)",
            "(daten|bestellungen|rechnungen|adressen) (anderer|fremder) (kunden|leute|personen)",
        ],
    },
    F: {
        "fraud": [
            "betrug|betrüger|betrügerin|betrügerei|betrogen|betrügerisch|betrügerische"
            "|betrügerischen|abzocke|abgezockt|abzocker|abzockerei|betrugsmasche|identitätsdiebstahl"
            "|diebe|gaunerei|gauner",
            "(nicht|un) (autorisierte|autorisierten|autorisiert|genehmigte|genehmigten"
            "|berechtigte|berechtigten) (abbuchung|abbuchungen|zahlung|zahlungen|belastung"
            "|lastschrift|transaktion|transaktionen)",
            "(unautorisierte|unautorisierten|unberechtigte|unberechtigten|unerlaubte"
            "|unerlaubten) (abbuchung|abbuchungen|zahlung|zahlungen|belastung|lastschrift"
            "|transaktion|transaktionen)",
            "(geld|karte|kreditkarte) * (gestohlen|geklaut)",
            "(gefälschte|gefälschten|gefälschter) (rechnung|rechnungen|mail|e-mail)",
        ],
    },
    H: {
        "injury": [
            "(sich|mich|ich|er|sie|wurde|wurden|worden|schwer|leicht|ist) verletzt",
            "verletzung|verletzungen|verbrennung|verbrennungen|stromschlag|lebensmittelvergiftung"
            "|notaufnahme|krankenhaus|glassplitter|glasscherben|vergiftet|vergiftung",
            "(finger|hand|arm|bein) * (geschnitten|aufgeschnitten|verbrannt|gebrochen)",
            "genäht werden|genäht",
            "(allergische|allergischen) (reaktion|schock)",
            "(feuer gefangen|in brand|explodiert|explodierte|geschmolzen und)",
        ],
        "threat": [
            "umbringen|selbstmord|suizid|töten|abstechen|morddrohung|bedroht|bedrohung|drohungen",
            "(nicht mehr leben|mir das leben nehmen)",
        ],
    },
}

FRENCH: _Table = {
    L: {
        "sue": [
            "(poursuivre|poursuivrai|poursuivrons|poursuivi|poursuivis) (en)? justice",
            "poursuites judiciaires|poursuite judiciaire",
            "plainte|plaintes|porter plainte|déposer plainte",
            "procès|assigner|huissier|mise en demeure",
        ],
        "lawyer": ["avocat|avocats|avocate|avocates|juriste"],
        "legal_action": [
            "(action|actions|procédure|procédures|recours|voie|voies) (en)? (justice|judiciaire"
            "|judiciaires|juridique|juridiques|légale|légales|collectif|de groupe)",
            "tribunal|tribunaux|en justice",
            "dommages et intérêts|dommages-intérêts",
            "illégal|illégale|illégalement|illégaux",
        ],
        "regulator": [
            "dgccrf|cnil|médiateur|arcep|amf|que choisir|gendarmerie",
            "(rgpd) * (violation|plainte|non respect|infraction)",
            "(violation|plainte|infraction) * rgpd",
        ],
    },
    S: {
        "hacked": [
            "piraté|piratée|piratés|piratées|piratage|hacké|hackée|hackés|hameçonnage|rançongiciel",
            "(fuite|fuites|vol|violation) (de|des) données",
            "(accès|connexion|connexions) (non autorisé|non autorisés|non autorisée"
            "|non autorisées|suspecte|suspectes|frauduleux|frauduleuse|inconnue)",
            "(compte|comptes) * (compromis|piraté|volé|usurpé)",
            "données (d'autres|des autres) clients",
        ],
    },
    F: {
        "fraud": [
            "arnaque|arnaques|arnaqué|arnaquée|arnaqués|arnaqueur|arnaqueurs|escroquerie"
            "|escroqueries|escroc|escrocs|escroqué|escroquée|fraude|fraudes|frauduleux"
            "|frauduleuse|frauduleusement|voleurs|voleur",
            "(usurpation|vol) (d'identité)",
            "(prélèvement|prélèvements|débit|débits|paiement|paiements|transaction|transactions"
            "|achat|achats) (non autorisé|non autorisés|non autorisée|non autorisées"
            "|frauduleux|frauduleuse|inconnu|inconnus)",
            "(m'ont|ont|m'a|a|avez|m'avez) volé",
            "fausse facture|fausses factures",
        ],
    },
    H: {
        "injury": [
            "blessé|blessée|blessés|blessure|blessures|brûlure|brûlures|urgences|hôpital"
            "|électrocuté|intoxication alimentaire|intoxiqué|intoxiquée|empoisonné|empoisonnée",
            "points de suture",
            "(coupé|brûlé|brulé) * (doigt|main|bras|jambe|visage)",
            "(décharge électrique|pris feu|a explosé|réaction allergique)",
            "(morceau|morceaux|éclat|éclats|bout) (de) (verre|métal|plastique)",
        ],
        "threat": [
            "suicide|suicider|tuer|menaces|menacé|menacée|harcèlement|harcelé|harcelée",
            "(menace|menaces) de mort",
        ],
    },
}

SPANISH: _Table = {
    L: {
        "sue": [
            "demanda|demandas|demandar|demandaré|demandaremos|demandarlos|demandarles|demandado"
            "|denuncia|denuncias|denunciar|denunciaré|denunciaremos|denunciado",
        ],
        "lawyer": ["abogado|abogados|abogada|abogadas"],
        "legal_action": [
            "(acciones|acción|medidas|vía|vías) (legales|legal|judicial|judiciales)",
            "tribunales|juzgado|juicio",
            "ilegal|ilegales|ilegalmente",
            "daños y perjuicios",
        ],
        "regulator": [
            "profeco|ocu|condusef|defensa del consumidor|protección del consumidor|policía",
            "(oficina|oficinas) de consumo",
            "protección de datos",
        ],
    },
    S: {
        "hacked": [
            "hackeado|hackeada|hackeados|hackearon|hackeo|jaqueado|jaqueada|pirateado|pirateada",
            "(filtración|fuga|robo|brecha) (de) (datos|seguridad)",
            "(acceso|accesos) (no autorizado|no autorizados|indebido)",
            "(cuenta) * (comprometida|robada|hackeada|vulnerada)",
            "datos de otros clientes",
        ],
    },
    F: {
        "fraud": [
            "estafa|estafas|estafado|estafada|estafaron|estafadores|estafador|fraude|fraudes"
            "|fraudulento|fraudulenta|fraudulentos|ladrones|timadores",
            "(robo|suplantación) de identidad",
            "(cargo|cargos|cobro|cobros|pago|pagos|compra|compras|transacción) (no autorizado"
            "|no autorizados|no autorizada|no autorizadas|no reconocido|no reconocidos"
            "|no reconocida|indebido|indebidos|fraudulento|fraudulentos)",
            "(me|nos) (robaron|han robado|robó)",
            "factura falsa|facturas falsas",
        ],
    },
    H: {
        "injury": [
            "herido|herida|heridos|lesión|lesiones|lesionado|lesionada|quemadura|quemaduras"
            "|urgencias|electrocutado|intoxicación|intoxicado|intoxicada|envenenado",
            "(me corté|se cortó|me quemé|se quemó)",
            "puntos de sutura",
            "(descarga eléctrica|se incendió|prendió fuego|explotó|reacción alérgica)",
            "(trozo|trozos|pedazo|pedazos) de (vidrio|metal|plástico)",
        ],
        "threat": [
            "suicidio|suicidarme|matarme|matarlos|matarte|amenaza|amenazas|amenazó|amenazado"
            "|acoso|acosando",
        ],
    },
}

ITALIAN: _Table = {
    L: {
        "sue": [
            "(fare|faremo|farò|faccio|fatto) causa",
            "denuncia|denunce|denunciare|denuncerò|denunceremo|denunciato|querela|querelare"
            "|diffida",
        ],
        "lawyer": ["avvocato|avvocati|avvocata|avvocatessa", "(mio|nostro) legale"],
        "legal_action": [
            "(vie|azioni|azione|provvedimenti) (legali|legale|giudiziarie|giudiziaria)",
            "tribunale|giudice",
            "illegale|illegali|illegalmente",
            "risarcimento|risarcimenti",
        ],
        "regulator": ["codacons|altroconsumo|agcm|garante della privacy|carabinieri|polizia"],
    },
    S: {
        "hacked": [
            "hackerato|hackerata|hackerati|hackerate",
            "(furto|fuga|violazione) (di|dei) dati",
            "(accesso|accessi) (non autorizzato|non autorizzati|sospetto|sospetti)",
            "(account|conto|profilo) * (violato|compromesso|rubato)",
        ],
    },
    F: {
        "fraud": [
            "truffa|truffe|truffato|truffata|truffati|truffatori|truffatore|frode|frodi"
            "|fraudolento|fraudolenta|fraudolenti|ladri|raggiro",
            "furto d'identità",
            "(addebito|addebiti|pagamento|pagamenti|prelievo|prelievi) (non autorizzato"
            "|non autorizzati|fraudolento|fraudolenti)",
            "fattura falsa|fatture false",
        ],
    },
    H: {
        "injury": [
            "ferito|ferita|feriti|ferite|ustione|ustioni|ustionato|avvelenato|intossicazione"
            "|folgorato|ospedale",
            "(mi sono tagliato|mi sono tagliata|si è tagliato|mi sono bruciato)",
            "punti di sutura|pronto soccorso|scossa elettrica|preso fuoco|reazione allergica",
            "(pezzo|pezzi|frammento|frammenti) di (vetro|metallo|plastica)",
        ],
        "threat": ["suicidio|suicidarmi|ammazzare|ammazzo|uccidere|minacce|minacciato|molestie"],
    },
}

DUTCH: _Table = {
    L: {
        "sue": [
            "rechtszaak|rechtszaken|aanklagen|aanklaag|aangeklaagd|dagvaarding|dagvaarden"
            "|aangifte|ingebrekestelling",
            "(klaag|klagen) * aan",
        ],
        "lawyer": ["advocaat|advocaten|advocatenkantoor"],
        "legal_action": [
            "(juridische|gerechtelijke) (stappen|actie|procedure)",
            "rechter|rechtbank|schadevergoeding|illegaal",
        ],
        "regulator": [
            "consumentenbond|geschillencommissie|kifid|politie|autoriteit persoonsgegevens",
            "avg * (overtreding|klacht|schending)",
        ],
    },
    S: {
        "hacked": [
            "gehackt|gehacked|datalek|datalekken",
            "(onbevoegde|ongeautoriseerde|verdachte) (toegang|login|inlog|inlogpoging)",
            "(account) * (overgenomen|gekaapt)",
            "gegevens van andere klanten",
        ],
    },
    F: {
        "fraud": [
            "oplichting|oplichters|oplichter|opgelicht|oplichterij|fraude|frauduleus"
            "|frauduleuze|dieven|identiteitsfraude|bedrogen|zwendel",
            "(onbevoegde|ongeautoriseerde|niet geautoriseerde) (afschrijving|afschrijvingen"
            "|betaling|betalingen|transactie)",
            "nepfactuur|valse factuur",
        ],
    },
    H: {
        "injury": [
            "gewond|verwond|snijwond|hechtingen|ziekenhuis|brandwonden|voedselvergiftiging"
            "|vergiftigd|ontploft",
            "(stroomschok|elektrische schok|vlam gevat|allergische reactie|spoedeisende hulp)",
        ],
        "threat": ["zelfmoord|vermoorden|bedreigd|bedreiging|bedreigingen|intimidatie"],
    },
}

PORTUGUESE: _Table = {
    L: {
        "sue": [
            "processar|processarei|processaremos|processá|processo judicial|denúncia|denunciar",
            "(entrar|entrarei|vou entrar|abrir|mover|movi|entrei) (com)? (um)? processo",
            "processo contra",
        ],
        "lawyer": ["advogado|advogados|advogada|advogadas"],
        "legal_action": [
            "(ação|ações|medidas) (judicial|judiciais|legal|legais)",
            "na justiça|juizado|pequenas causas|danos morais|indenização",
            "ilegal|ilegais|ilegalmente",
        ],
        "regulator": ["anpd|anatel|consumidor.gov|defesa do consumidor|polícia"],
    },
    S: {
        "hacked": [
            "hackeado|hackeada|hackearam|invadida|invadido|invadiram",
            "(vazamento|vazamentos) (de|dos) dados",
            "(vazaram|vazou|vazados|vazadas|expostos|expostas) * dados",
            "dados * (vazaram|vazou|vazados|vazadas|expostos|expostas)",
            "(acesso|acessos) (não autorizado|não autorizados|indevido|indevidos)",
            "clonado|clonada|clonaram",
        ],
    },
    F: {
        "fraud": [
            "fraude|fraudes|fraudulento|fraudulenta|estelionato|estelionatário|golpista"
            "|golpistas|ladrões|roubaram|enganado|enganada",
            "(é|e|foi|um|caí|cai|caiu|sofri|de) golpe",
            "(cobrança|cobranças|compra|compras|transação|transações|débito|pix) (não"
            " autorizada|não autorizadas|não autorizado|não reconhecida|não reconhecidas"
            "|indevida|indevidas)",
            "boleto falso",
        ],
    },
    H: {
        "injury": [
            "ferido|ferida|machucado|machucada|machucou|queimadura|queimaduras|intoxicação"
            "|envenenado|pronto-socorro",
            "(me cortei|se cortou|choque elétrico|explodiu|pegou fogo|reação alérgica)",
            "(pedaço|pedaços|caco|cacos) de (vidro|metal|plástico)",
        ],
        "threat": ["suicídio|suicidar|ameaça|ameaças|ameaçado|ameaçada|assédio"],
    },
}

TABLES = {
    "de": GERMAN,
    "fr": FRENCH,
    "es": SPANISH,
    "it": ITALIAN,
    "nl": DUTCH,
    "pt": PORTUGUESE,
}

# Harmless uses, per language and family: they veto overlapping hits of the family.
EXCEPTIONS: dict[str, dict[FlagFamily, list[str]]] = {
    "de": {
        H: ["(datenschutz|dsgvo|gesetz|vertrag|rechte|pflichten|pflicht|urheberrecht) * verletzt"],
    },
    "fr": {L: ["justice (sociale|climatique)"]},
    "es": {
        L: [
            "(alta|baja|mucha|poca|gran) demanda",
            "demanda (de|del) (este|esta|estos|estas)? (producto|productos|mercado|artículo"
            "|artículos|servicio|servicios)",
            "demanda * (es|está|fue|era) (muy)? (alta|baja|grande|enorme)",
        ]
    },
    "it": {},
    "nl": {},
    "pt": {L: ["(em) processo (de|para)"]},
}


def multilingual_families() -> list[FamilyRules]:
    """Every language's families, phrases made exact with their spelling variants."""
    families = []
    for language, table in TABLES.items():
        for family, rules in table.items():
            exceptions = EXCEPTIONS[language].get(family, [])
            families.append(
                FamilyRules(
                    family=family,
                    rules={
                        rule: [_exact(p, language) for p in phrases]
                        for rule, phrases in rules.items()
                    },
                    exceptions=[_exact(p, language) for p in exceptions],
                    language=language,
                )
            )
    return families
