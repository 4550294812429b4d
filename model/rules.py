"""Hard-coded, versioned red-flag rules: legal, security, fraud and safety.

The rules run beside the classifier and can only raise an item's severity to red. They are built
on spaCy: a blank English tokenizer, lemmas from spaCy's English lookup table (so "sued",
"suing" and "sues" all match "sue"), and a token `Matcher`.

Each family is one `pattern_<family>()` function returning its rules and its exceptions, written
in a small phrase language (see `compile_phrase`). An exception is a harmless use of a scary word
("fraud detection module", "killer feature"); a hit that overlaps an exception is dropped.
When in doubt a rule fires: a human confirms every red item.

Change any phrase and you must bump `RULES_VERSION`; every prediction records it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.matcher import Matcher
from spacy.tokens import Doc

from model.labels import FlagFamily

RULES_VERSION = "red_flags.v1"

# Up to this many arbitrary tokens may stand where a phrase says "*".
_GAP = "{0,3}"
_HYPHENS = ["-", "–", "—"]


@dataclass(frozen=True, slots=True)
class RedFlagHit:
    """One rule firing on one span of the text (character offsets, end exclusive)."""

    family: FlagFamily
    rule: str
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["family"] = self.family.value
        return data


@dataclass(frozen=True, slots=True)
class FamilyRules:
    """The rules of one family: rule id -> phrases, and phrases that veto overlapping hits."""

    family: FlagFamily
    rules: dict[str, list[str]]
    exceptions: list[str]


# --------------------------------------------------------------------------- families


def pattern_legal() -> FamilyRules:
    """Legal threats and legal action.

    Examples: "we will sue", "they sued us", "suing you", "class action", "my lawyer",
    "our attorneys will be in touch", "taking legal action", "see you in court",
    "small claims", "cease and desist", "complaint to the ombudsman", "GDPR complaint".
    """
    return FamilyRules(
        family=FlagFamily.LEGAL,
        rules={
            "sue": [
                "=sue|sued|suing|sues|sueing|suin",
                "=su|suee them|you|us",
            ],
            "lawsuit": [
                "lawsuit|lawsuits|lawsiut|lawsuite|litigation|litigate|litigator",
                "law suit",
                "class action",
                "file * suit",
                "suit against",
            ],
            "lawyer": [
                "lawyer|laywer|lawer|lawyers|attorney|attorny|atty|solicitor|solicitors|barrister",
                "instruct * counsel",
                "legal counsel",
                "our|my counsel",
                "law firm * (instruct|hire|retain|engage|contact|involve|represent|letter|write)",
                "(instruct|hire|retain|engage|contact|consult|involve) * law firm",
            ],
            "legal_action": [
                "legal action|actions|proceeding|proceedings|step|steps|recourse|remedy|remedies"
                "|route|claim|claims|avenue|avenues|option|options|notice|letter|battle|fight|dispute",
                "take|taking|took * legal",
                "legal|legally * pursue|involve|escalate",
                "pursue|pursuing * legally",
                "(forward|hand|pass|refer|send|escalate|escalating|take|bring|get) * to * legal",
                "(get|getting|bring|bringing|involve|involving) * legal * involved|in",
                "legal team|department|dept * (will|'ll|is|are|be|been) * (contact|touch|involve"
                "|review|reviewing|look|looking|notify|notified|draft|drafting|prepare|preparing)",
                "legal * be * in touch",
                "damages",
                "hold * (liable|accountable in court)",
                "breach of contract",
            ],
            "court": [
                "court|courts",
                "small claim|claims",
                "tribunal",
                "arbitration",
                "magistrate|judge",
                "subpoena|summons|injunction",
            ],
            "cease_and_desist": ["cease and desist", "=c&d"],
            "regulator": [
                "regulator|regulators|ombudsman|ombudsmen",
                "attorney general",
                "trading standards",
                "consumer protection|rights * (agency|authority|office|bureau|board|commission)",
                "better business bureau",
                "=ftc|cfpb|fca|ico|bbb|acccc|accc|procon|cnil",
                "data protection authority|commissioner|regulator|office|agency",
                "supervisory authority",
                "(report|reporting|reported|complain|complaint|complaining|escalate) * to * "
                "(authority|authorities|regulator|police|watchdog|commission|government|ministry)",
                "file|filing|filed|lodge|lodging|lodged * (complaint|report) * with",
                "formal complaint",
                "watchdog",
            ],
            "data_protection": [
                "gdpr|ccpa|lgpd|pdpa|dpa * (complaint|violation|violate|breach|infringe|infringement"
                "|fine|report|authority|request|right|rights)",
                "(complaint|violation|violate|breach|breaking|break|infringe|infringement|report) * "
                "gdpr|ccpa|lgpd|pdpa",
                "subject access request",
                "right to erasure|deletion",
                "data protection * (complaint|violation|breach|law|laws)",
                "privacy law|laws|violation|violations",
            ],
        },
        exceptions=[
            "(tennis|basketball|padel|squash|food|badminton|volleyball|football|pickleball|netball"
            "|futsal) court|courts",
            "court (booking|bookings|reservation|reservations|rental|rentals|schedule|app|hire)",
            "(attorney|attorneys|lawyer|lawyers|law firm|law firms) * (client|clients|customer"
            "|customers|user|users|practice|practices|market|vertical|segment)",
            "(for|like|serve|serving|support|supporting|many|our|other) * (lawyer|lawyers|attorney"
            "|attorneys|solicitor|solicitors) * (use|love|like|need|want)",
            "legal (template|templates|ops|operations|hold|holds|module|clause|clauses|review"
            "|reviews|entity|entities|name|requirement|requirements|tech|matter|matters)",
            "legal team|department|dept * (like|liked|love|loved|approve|approved|sign off|signed"
            "|happy|appreciate|appreciated|praise|praised|review the|reviewing our|use|uses|used)",
            "damages * (to|in|on) * (shipment|shipments|pallet|pallets|goods|item|items|box|boxes"
            "|package|packages|parcel|parcels|transit|delivery|product|products|crate|container)",
            "(shipping|transit|water|storm|freight|cargo|handling|physical) damages",
            "(thanks|thank|to|with|ask|asked|contact|contacted|email|emailed|call|called|and|,) =Sue",
            "=Sue (=from|at|in|on|was|is|has|had|and|said|says|helped|did|does|got|answered"
            "|replied|sorted|fixed|explained|called|emailed|went|made|took|handled|walked|,|.)",
            "sue * from|at|in * (support|sales|success|billing|team|account|onboarding)",
            "gdpr|ccpa * (compliant|compliance|ready|settings|template|templates|module|feature"
            "|features|friendly|documentation|docs|checklist|dashboard)",
            "dpa template|templates|form|document|agreement",
            "(request|send|sign|signed|need|want|get|provide|download|share) * dpa",
            "arbitration clause|clauses|module|feature",
            "judge * (by|for|from|whether|if|the quality|it|them|yourself|ourselves)",
            "=judging",
        ],
    )


def pattern_security() -> FamilyRules:
    """Hacking claims and account-security issues.

    Examples: "we were hacked", "data breach", "our data leaked", "account was taken over",
    "account compromised", "unauthorized login", "someone logged into our admin account",
    "phishing email from your domain", "ransomware", "passwords stored in plain text".
    """
    people_or_assets = (
        "account|accounts|login|logins|password|passwords|credential|credentials|system|systems"
        "|server|servers|email|emails|inbox|workspace|tenant|device|devices|data|database|key|keys"
        "|token|tokens|admin|portal|network|laptop|dashboard|profile|mailbox|environment|instance"
    )
    return FamilyRules(
        family=FlagFamily.SECURITY,
        rules={
            "hacked": [
                "=hacked|hacking|hacker|hackers|hackd|haked|hackers'|hax|haxx",
                "hack into|in",
                "get|got|been|was|were * hack",
            ],
            "breach": [
                "breach|breached|breaches",
                "security incident|incidents|issue|issues|hole|holes|flaw|flaws|lapse|lapses"
                "|vulnerability|vulnerabilities|failure|failures",
                "vulnerability|vulnerabilities|exploit|exploited|zero-day|0day",
            ],
            "data_leak": [
                "leak|leaks|leaked|leaking|leakage",
                "(data|information|info|details|records|emails|files|documents|list) * "
                "(expose|exposed|exposing|public|publicly|online|for sale|dumped|dump|stolen|steal)",
                "(expose|exposed|exposing|stole|stolen|steal|stealing|dumped) * (data|information|info"
                "|details|records|emails|files|documents|list|pii|database)",
                "dark web",
                "=pii",
            ],
            "compromised": [
                f"({people_or_assets}) * compromise|compromised",
                f"compromise|compromised * ({people_or_assets})",
                "=compromised",
            ],
            "account_takeover": [
                "account * take|taken|took over",
                "take|taken|took * over * account|accounts|admin|login",
                "account takeover|takeovers|hijack|hijacked|hijacking",
                "hijack|hijacked|hijacking",
                "(take|took|taken|gain|gained|get|got|seize|seized) * control of",
                "locked out * (account|admin|our|my)",
            ],
            "unauthorized_access": [
                "(unauthorized|unauthorised|unauthorized|unknown|suspicious|strange|foreign"
                "|unrecognized|unrecognised|unfamiliar|rogue|stranger|strangers) * (access|accessed"
                "|login|logins|log|logged|sign|signin|signed|session|sessions|ip|ips|device|devices"
                "|user|users|admin|address|location|activity|person|people|party|someone)",
                "(someone|somebody|stranger|strangers|intruder|intruders|attacker|attackers"
                "|criminal|criminals|third party|outsider|outsiders|anyone) * (log|logged|logging"
                "|get|got|gotten|getting|break|broke|broken|access|accessed|accessing|sign|signed"
                "|enter|entered|login) * (in|into|to|our|my|the|account|admin)",
                "break|broke|broken into",
                "(access|accessed|viewed|seen|opened|downloaded) * by * (someone|somebody|stranger"
                "|strangers|unknown|third|outsider|outsiders|hacker|hackers|attacker|other company"
                "|another company|another customer|other customers)",
                "(see|saw|seeing|view|viewing|viewed|access|accessed|accessing) * (other|another)"
                " * (customer|customers|company|companies|client|clients|tenant|tenants) * "
                "(data|invoice|invoices|record|records|file|files|account|accounts|details)",
                "intruder|intruders|intrusion",
                "(bypass|bypassed|bypassing|circumvent|circumvented) * (2fa|mfa|authentication"
                "|login|security|sso|password)",
                "(2fa|mfa|sso) * (bypass|bypassed|broken|disabled)",
                "not us|me * (log|logged|login|sign|signed)",
            ],
            "phishing": [
                "phishing|phish|phished|phishy|phising",
                "fishing email|emails|link|links|attempt|attempts",
                "spoof|spoofed|spoofing",
                "impersonating|impersonate|impersonated|impersonation * (email|emails|domain"
                "|support|staff|you|your|company|account)",
                "fake login|log-in|sign-in|signin page|pages|site|form",
                "social engineering",
            ],
            "malware": [
                "ransomware|malware|spyware|keylogger|trojan|virus|viruses|worm|rootkit|botnet"
                "|cryptominer|ransom",
                "infect|infected * (installer|download|laptop|computer|machine|file|files|system|pc"
                "|server|device|extension|plugin|update|attachment)",
            ],
            "credentials_exposed": [
                "(password|passwords|credential|credentials|api key|api keys|secret|secrets|token"
                "|tokens|login details|pin|pins) * (expose|exposed|exposing|leak|leaked|plain text"
                "|plaintext|cleartext|clear text|unencrypted|visible|public|publicly|stolen|steal"
                "|dump|dumped|posted|sent|emailed|printed|logged|shown|readable)",
                "(plain text|plaintext|cleartext|clear text|unencrypted) * (password|passwords"
                "|credential|credentials|key|keys|token|tokens|card|cards)",
            ],
        },
        exceptions=[
            "hacked|hacking|hack * (together|up|around|away|something|a workaround|a fix|a script"
            "|a quick)",
            "growth|life|ethical hack|hacks|hacking|hacker|hackers",
            "hackathon|hackathons",
            "breach of * (sla|slas|service level|warranty|contract|terms|agreement|policy)",
            "(sla|slas|service level|warranty|contract|contractual|covenant) breach|breaches",
            "breach (notification|notifications|report|reporting|response) * (template|templates"
            "|feature|features|workflow|workflows|module|modules|playbook|tool|plan|policy)",
            "memory leak|leaks|leaking",
            "(oil|water|fluid|coolant|gas|air|roof|pipe|pipes|valve|valves|drum|drums|barrel"
            "|barrels|container|containers|tank|tanks|seal|seals|hose|hoses|gasket|gaskets|bottle"
            "|bottles|bag|bags|tap|faucet|pump|pumps|ceiling|sachet|sachets|pouch|pouches|carton"
            "|cartons|battery|batteries|ink|cartridge|cartridges|liquid|resin|glue|adhesive"
            "|paint|solvent|chemical|chemicals|shipment|pallet|pallets|package|packaging|lid|lids)"
            " * leak|leaks|leaked|leaking|leakage",
            "leak|leaks|leaked|leaking|leakage * (oil|water|fluid|coolant|gas|air|everywhere|onto"
            "|into the box|through|resin|glue|paint|ink|liquid|solvent|chemical|from the)",
            "leak|leaks|leaked|leaking * test|tests|testing|detection|proof|free|resistant",
            "(leakproof|leak-proof|leakage test)",
            "(reach|reached|reaching|find|found|make|made|a|fair|good|reasonable) compromise",
            "compromise|compromised * (on|between|with us|with them|quality|the design|design)",
            "no compromise|compromises",
            "(security|vulnerability|pen|penetration) (scan|scans|scanning|scanner|test|tests"
            "|testing|report|reports|review|reviews|questionnaire|questionnaires|audit|audits"
            "|assessment|assessments|disclosure|program|programme|bounty|dashboard|dashboards"
            "|training|certification|team|features|settings|page|docs|documentation|center)",
            "phishing|phish (simulation|simulations|test|tests|training|awareness|template"
            "|templates|module|exercise|exercises|campaign builder|report button|filter|filters)",
            "anti-phishing|antiphishing",
            "anti phishing|virus|malware",
            "antivirus|anti-virus",
            "virus scan|scanner|scanning|protection|checker|definitions",
            "(covid|flu|stomach|cold) * virus",
            "take over * (project|role|account management|the account as|as|duties|from|shift"
            "|onboarding|support|relationship|handover|rollout|implementation|migration|territory)",
            "took over * (as|from|the role|the project|our account as|account management"
            "|the relationship|onboarding|duties|support|territory)",
            "(new|another|a different) (account manager|csm|rep) * took|take|taken over",
            "took|take|taken over * (account manager|our rep|csm)",
            "(gain|gained|take|took|taken|get|got|regain|regained) * control of * (costs|cost"
            "|spend|spending|budget|budgets|inventory|stock|schedule|schedules|cash flow|process"
            "|processes|workflow|workflows|our data|pipeline|pipelines|operations|expenses"
            "|chaos|the mess|things|hiring|payroll)",
            "ransom * note * feature",
            "locked out * (because|due to|after) * (forgot|forgotten|typo|wrong)",
            "strange|unknown * (error|errors|bug|bugs|message|messages|behaviour|behavior|issue"
            "|issues|charge|charges|fee|fees|reason)",
            "unauthorized|unauthorised|unknown|unrecognized|unrecognised * (charge|charges|fee|fees"
            "|payment|payments|debit|debits|transaction|transactions|deduction|deductions|invoice"
            "|invoices|withdrawal|withdrawals|refund|refunds|billing)",
            "fishing (trip|gear|boat|boats|rod|rods|supply|supplies|tackle|industry|company|fleet)",
            "=exploit|exploiting|exploits * (feature|features|data|potential|opportunity|the api"
            "|automation)",
            "=dumped * (them|us|you|him|her|for)",
            "(list|data|files|records|details) * (exposed|public) * (api|to the api|via api|in the"
            " api|through the api|to our team|internally|to managers|to admins|in the dashboard"
            "|in the report|in reports)",
            "(trigger|triggers|triggered|check|checks|checked) * virus",
        ],
    )


def pattern_fraud() -> FamilyRules:
    """Fraud complaints.

    Examples: "this is fraud", "total scam", "they stole our money", "unauthorized charge",
    "charges we never approved", "charged us twice on purpose", "we filed a chargeback",
    "identity theft", "fake invoice", "money taken without consent", "con artists".
    """
    money = (
        "money|funds|fund|deposit|deposits|payment|payments|cash|refund|refunds|savings|fee|fees"
        "|balance|payout|payouts|float|commission|commissions|wages|salary|salaries|dollars|euros"
        "|pounds|rupees|reais|bucks|escrow|retainer|advance"
    )
    return FamilyRules(
        family=FlagFamily.FRAUD,
        rules={
            "fraud": [
                "fraud|frauds|fraudulent|fraudulently|fraudster|fraudsters|fraudlent|fraudolent"
                "|frawd|frauding|defraud|defrauded|defrauding",
            ],
            "scam": [
                "scam|scams|scammed|scamming|scammer|scammers|scammy|scamm|scamer|scamers|skam"
                "|scamsters",
                "con artist|artists|man|men|job",
                "swindle|swindled|swindler|swindlers|swindling",
                "ponzi|pyramid scheme",
                "rip-off|ripoff artist|artists|merchants",
                "=conned",
            ],
            "theft": [
                f"steal|stole|stolen|stealing|nick|nicked|pocket|pocketed|pocketing|embezzle"
                f"|embezzled|embezzling|misappropriate|misappropriated|siphon|siphoned * ({money})",
                f"({money}) * (steal|stole|stolen|vanish|vanished|disappear|disappeared|missing"
                f"|taken|gone|siphoned|pocketed|embezzled|misappropriated|diverted)",
                "thief|thieves|theft|thieve|thieving|crook|crooks|crooked|robbery|robbers|robber"
                "|rob|robbed|robbing|embezzlement|embezzler|launder|laundering|extort|extortion"
                "|extorted|extorting",
                f"(take|took|taken|taking|withdraw|withdrew|withdrawn|debit|debited|deduct"
                f"|deducted|grab|grabbed|keep|kept|keeping|hold|holding|held) * ({money}) * "
                f"(without|never|no) * (consent|permission|authorization|authorisation|approval"
                f"|asking|agreement|warning|notice|telling)",
                f"keep|kept|keeping * ({money}) * (and|but) * (disappear|vanish|ghost|vanished"
                f"|disappeared|ghosted|stopped responding)",
            ],
            "unauthorized_charge": [
                "(unauthorized|unauthorised|unrecognized|unrecognised|unknown|unapproved|mystery"
                "|fake|bogus|phantom|illegitimate|unexplained|suspicious|strange|random|secret"
                "|hidden|sneaky|unagreed|unapproved|unsanctioned) * (charge|charges|debit|debits"
                "|payment|payments|transaction|transactions|withdrawal|withdrawals|deduction"
                "|deductions|invoice|invoices|billing|bill|bills|fee|fees|transfer|transfers)",
                "(charge|charged|charging|bill|billed|billing|debit|debited|invoice|invoiced) * "
                "(without|never) * (consent|permission|authorization|authorisation|approval"
                "|agreement|asking|authorizing|authorising|approving|agreeing)",
                "(never|didn't|did not|not) * (authorize|authorise|authorized|authorised|approve"
                "|approved|agree|agreed|consent|consented|sign|signed|order|ordered|recognise"
                "|recognize) * (charge|charges|payment|payments|debit|debits|transaction"
                "|transactions|withdrawal|fee|fees|subscription|renewal|upgrade|invoice|bill)",
                "(charge|charged|charging|bill|billed|billing|debit|debited) * (on purpose"
                "|deliberately|intentionally|knowingly|purposely|purposefully|twice on purpose"
                "|deliberate)",
                "(deliberate|deliberately|intentional|intentionally|knowingly) * (overcharge"
                "|overcharged|overcharging|double|charge|charged|bill|billed|billing|debit"
                "|debited|invoice|invoiced)",
            ],
            "chargeback": [
                "chargeback|chargebacks|charge-back|charge-backs",
                "charge back",
                "(dispute|disputed|disputing|reverse|reversed|reversing|cancel|cancelled|block"
                "|blocked|report|reported|reporting) * (charge|charges|payment|payments|transaction"
                "|transactions|debit) * (with|through|via|to) * (bank|card issuer|issuer|amex|visa"
                "|mastercard|credit card company|card company|paypal)",
                "(bank|card issuer|issuer|amex|visa|mastercard|credit card company|card company"
                "|paypal) * (dispute|disputed|reverse|reversed|claim|reversal)",
            ],
            "identity_theft": [
                "identity theft|fraud",
                "steal|stole|stolen|stealing|use|used|using|misuse|misused * (identity|identities"
                "|id|ids|name|names|ssn|passport|passports|tax id|company name)",
                "(identity|identities) * (steal|stole|stolen|stealing|misuse|misused|hijack"
                "|hijacked|taken)",
                "impersonate|impersonated|impersonating|impersonation|impersonator|impersonators",
                "pretend|pretended|pretending|posing|posed * (to be|as) * (us|our|you|your|staff"
                "|employee|employees|vendor|supplier|support|company|bank|ceo|cfo|director"
                "|manager)",
            ],
            "fake_invoice": [
                "(fake|forged|fraudulent|bogus|spoofed|doctored|falsified|counterfeit|phony|phoney"
                "|sham|fictitious|cloned) * (invoice|invoices|bank details|bank account|receipt"
                "|receipts|document|documents|vendor|vendors|bill|bills|payment request"
                "|remittance|quote|quotes|contract|contracts|supplier|suppliers|certificate"
                "|certificates|reviews|review|order|orders|company|companies|website|site)",
                "(change|changed|changing|swap|swapped|update|updated|switch|switched) * bank "
                "details|account * (without|never|not) * (us|our|we|knowing|consent|permission)",
                "invoice|payment|payroll|vendor|ceo|cfo|mandate|wire|bank|card|tax|insurance"
                "|refund|billing fraud|scam|scams",
                "counterfeit|counterfeits|forgery|forged|falsify|falsified|falsifying",
            ],
        },
        exceptions=[
            "fraud|frauds (detection|detect|detecting|prevention|prevent|preventing|protection"
            "|protect|screening|screen|scoring|score|scores|module|modules|engine|engines|rule"
            "|rules|team|teams|check|checks|checking|tool|tools|filter|filters|filtering"
            "|monitoring|monitor|analyst|analysts|analytics|alert|alerts|model|models|dashboard"
            "|dashboards|api|apis|add-on|addon|feature|features|setting|settings|product|products"
            "|solution|solutions|suite|service|services|capability|capabilities|layer|layers"
            "|queue|queues|workflow|workflows|case|cases|report|reports|reporting|risk|ops"
            "|operations|controls|control|signals|signal|review|reviews|scanner|system|systems"
            "|platform|stack|vendor|vendors|specialist|specialists|department|squad|expert"
            "|experts|training|certification|course|webinar|library|insights|radar|guard|shield"
            "|sensitivity|threshold|thresholds)",
            "(anti-fraud|antifraud|anti fraud)",
            "fraud and risk|compliance",
            "(detect|detects|detected|detecting|prevent|prevents|prevented|preventing|catch"
            "|catches|caught|catching|flag|flags|flagged|flagging|block|blocks|blocked|blocking"
            "|fight|fighting|reduce|reduced|reducing|stop|stops|stopped|stopping|spot|spots"
            "|spotted|spotting|combat|combating|combatting|cut|cutting) * fraud|frauds|fraudulent"
            "|scam|scams|chargeback|chargebacks",
            "chargeback|chargebacks|charge-back (report|reports|reporting|management|manager"
            "|module|modules|feature|features|dashboard|dashboards|alert|alerts|tool|tools|rate"
            "|rates|ratio|ratios|workflow|workflows|handling|automation|evidence|representment"
            "|response|responses|data|analytics|protection|guarantee|insurance|fee|fees|api|tab"
            "|screen|view|page|export|exports|integration)",
            "(a|such a|total|absolute|real|what a|is a|was a|an absolute|bit of a) steal",
            "steal|stole|stolen|stealing * (the show|show|our hearts|the spotlight|a look|a glance"
            "|a march|my heart|idea|ideas|design|designs)",
            "steal|stole|stealing * (market share|customers|clients|deals|business)",
            "(scam|fraud|phishing) (awareness|education|training|alert|alerts|warning|warnings"
            "|prevention|detection|filter|filters|protection)",
            "robbery|heist * (movie|film|game|level|theme|escape room)",
            "rob|robbed|robbing * (time|hours|sleep|weekend|weekends)",
            "identity (provider|providers|management|verification|verify|check|checks|platform"
            "|sso|federation|store|service|services|theft protection)",
            "(use|used|using) * (company name|name|names|id|ids) * (field|fields|column|columns"
            "|filter|filters|search|lookup|as|for|to|in the)",
            "(use|used|using) * (our|the|your|their|a|an|my|his|her) * (id|ids|name|names|company"
            " name) * (to|for|in|as|when|on)",
            "=forged|forge * (ahead|partnership|partnerships|relationship|relationships|link|links"
            "|bond|bonds|steel|metal|parts|part|component|components)",
            "(forged|forging|forge) (steel|metal|parts|part|components|component|aluminium"
            "|aluminum|iron|brass|shop)",
            "fake (it|plant|plants|data|demo data|sample|samples|test data)",
            "(fake|bogus|phantom) (charge|charges) * (test|tests|testing|sandbox|mode)",
            "hidden * (fee|fees|charge|charges|cost|costs) * (no|none|zero|never|without)",
            "(no|zero|never any|never|without) * hidden * (fee|fees|charge|charges|cost|costs)",
            "(hidden|sneaky) (fee|fees|charge|charges|cost|costs)",
            "=pocket * (money|cash|change)",
            "(charge|charges|charged|billed|invoice) * (without|never) * (issue|issues|problem"
            "|problems|fail|failing|a hitch|hiccup|hiccups|delay|delays)",
            "(card|account|the) (dispute|disputes) (module|feature|workflow|workflows|tool|tools"
            "|tab|flow|flows|screen|page|process)",
            "=rob",
        ],
    )


def pattern_safety() -> FamilyRules:
    """Threats of violence, self-harm or suicide statements, criminal threats.

    Examples: "someone at your office is going to get hurt", "I'll be waiting outside your
    depot", "I'll burn your warehouse down", "I want to end it all", "I'm going to kill
    myself", "I don't see the point of living", "I'll post your staff's home addresses".
    """
    people = (
        "you|your|yourself|yourselves|him|her|them|someone|somebody|everyone|everybody|staff"
        "|people|driver|drivers|employee|employees|manager|managers|ceo|founder|founders|team"
        "|rep|reps|agent|agents|worker|workers|guy|guys|he|she|they|whoever|anyone|family"
        "|families|kids|children|boss|owner|owners|cfo|director|salesman|salesperson"
    )
    violent_verbs = (
        "hurt|kill|shoot|stab|beat|punch|harm|attack|murder|strangle|slap|assault|smash|burn"
        "|torch|bomb|destroy|wreck|break|blow|injure|maim|choke|batter|bash|get|finish|deal"
        "|hunt|run over|knife|cut|ruin|teach a lesson"
    )
    return FamilyRules(
        family=FlagFamily.SAFETY,
        rules={
            "violence": [
                f"(kill|shoot|stab|murder|strangle|slap|assault|punch|beat|injure|maim|choke"
                f"|knife|batter|bash|attack|hurt|harm) * ({people})",
                f"({people}) * (get|gets|getting|got|be|been|end|ends|ending) * (hurt|killed|shot"
                f"|stabbed|harmed|injured|beaten|attacked|punched|dead|in hospital|bleeding"
                f"|sorry|paid a visit)",
                f"(will|'ll|gonna|going|wanna|want|make sure|swear|promise|plan|planning|coming"
                f"|come|come down|ready|about) * ({violent_verbs}) * ({people}|office|offices"
                f"|depot|warehouse|warehouses|store|shop|building|trucks|truck|van|vans|car|cars"
                f"|factory|plant|site|hq|headquarters|premises|face|head|teeth|legs|neck)",
                "(waiting|wait|waits|outside) * (outside|for) * (your|the) * (office|offices|depot"
                "|warehouse|building|home|house|door|hq|headquarters|premises|gate|store|car"
                "|shop|site|reception|parking)",
                "(know|knows|find|found|finding|track|tracked|tracking|learn|learned|figure|out)"
                " * where * (you|he|she|they|your|staff|people|driver|ceo) * (live|lives|living"
                "|work|works|sleep|sleeps|park|parks)",
                "pay * (you|him|her|them|your|the|that) * (a|an) * (visit|personal visit)",
                "watch your|his|her|their back|backs",
                "next time * see * (you|him|her|them) * (hospital|sorry|hurt|regret|pay)",
                "(=gun|guns|rifle|rifles|shotgun|shotguns|pistol|pistols|firearm|firearms|weapon"
                "|weapons|knife|knives|machete|bullet|bullets|ammo|baseball bat|crowbar|acid)",
                "violence|violent",
                "(blood|bloodbath|bloody mess)",
                "(someone|somebody|people|you|one|your) * (will|'ll|is|are|going|gonna|could"
                "|might|may) * (get|be|gets|end up) * (hurt|killed|shot|dead|harmed|injured"
                "|paid|sorry)",
                "(i|we|he|she|they) * (will|'ll|gonna|going|want|wanna) * (hurt|kill|shoot"
                "|stab|beat|punch|harm|attack|murder|strangle|slap|assault|knife|choke)",
                "regret * (being born|ever crossing|crossing)",
                "rearrange * face",
                "break * (legs|neck|arm|arms|jaw|nose|bones)",
                "hurt|harm * (someone|somebody|people|staff|you|your|driver)",
                "threat|threats|threatened|threatening * (violence|violent|staff|you|your"
                "|driver|drivers|employee|employees|agent|agents|life|lives|kill|harm|hurt|family"
                "|safety|physically)",
                "death threat|threats",
                "physical * (harm|threat|threats|violence|danger)",
                "unsafe|safety * (staff|employees|team|drivers|driver|workers|agents|people"
                "|customers|our|my|your)",
                "(feel|feels|felt|feeling) * (unsafe|threatened|scared|afraid|in danger)",
            ],
            "self_harm": [
                "kill|killing|hurt|hurting|harm|harming|cut|cutting * myself|ourselves|themself"
                "|themselves|himself|herself",
                "end|ending|ended * (it all|it|my life|everything|things|my own life)",
                "take|taking * my * (own)? * life",
                "(suicide|suicidal|self-harm|self harm|selfharm|self-harming|overdose)",
                "(not|no|never) * (want|wanna|wish|see|any|point|reason|worth) * (to be|being)"
                " * (here|around|alive)",
                "(no|not|never|any|lost|lose|losing) * (point|reason|will|desire|wish|want) * "
                "(to live|in living|living|of living|left|to go on|to keep going|to be alive"
                "|to continue)",
                "(can't|cannot|can not|couldn't|don't|won't) * (go|keep) * (on|going) * (like"
                "|anymore|any more|any longer|with|living|this)",
                "(will not|wont|not going to) * be (around|alive|here) * (to see|for|much|long|when"
                "|by|anymore|any more|next)",
                "better off * (dead|gone|without me)",
                "(want|wanna|wish|wished) * (to)? * (die|disappear forever|be dead|not wake up"
                "|not exist|sleep forever|just die)",
                "(rather|better) * dead",
                "(jump off|in front of) * (bridge|building|roof|train|bus|truck)",
                "nothing * (left|to live for)",
                "(don't|do not|cannot|can't) * see * (point|way out|future|reason)",
                "goodbye * (everyone|world|cruel|all)",
                "(this|it|debt|job|stress|company|you|situation) * (is|are|has|have|'s) * "
                "(killing|destroying|breaking) * (me|my|us)",
                "at the end of my rope|tether",
                "give up on * (life|living|everything)",
                "(mental|emotional) * (breakdown|crisis|collapse)",
                "(crisis line|hotline|helpline)",
            ],
            "criminal_threat": [
                "(burn|burned|burning|torch|torched|torching|blow|blew|blowing|bomb|bombed"
                "|bombing|smash|smashed|smashing|trash|trashed|vandalise|vandalize|vandalised"
                "|vandalized|destroy|destroyed|wreck|wrecked|firebomb|set fire|set on fire"
                "|sabotage|sabotaged) * (down|up|your|the|their|our|every|all|office|offices"
                "|depot|warehouse|warehouses|store|shop|building|buildings|truck|trucks|van|vans"
                "|car|cars|factory|plant|site|hq|headquarters|premises|servers|place|fleet"
                "|windows|stock|everything)",
                "(bomb|bombs|explosive|explosives|arson|arsonist|firebomb|pipe bomb|molotov)",
                "(set fire|set alight|on fire)",
                "=dox|doxx|doxxed|doxed|doxxing|doxing",
                "(post|posting|posted|publish|publishing|published|leak|leaking|share|sharing"
                "|spread|spreading|release|releasing|expose|exposing) * (home|house|personal"
                "|private) * (address|addresses|details|numbers|phone|photos|information|info)",
                "(home|house) * (address|addresses) * (of|for) * (staff|employees|your|the|every"
                "|all|ceo|founder|manager|managers|team|driver|drivers)",
                "(show|turn|come|coming|drive|driving|go|going|walk|walking|be) * (up|down|over"
                "|round|around|by)? * (at|to) * (your|the) * (office|offices|depot|warehouse|home"
                "|house|hq|headquarters|premises|building|store|site) * (with|and|to|armed|ready"
                "|tomorrow|tonight|myself|personally|if|unless)",
                "(you|they|he|she|we) * (will|'ll|gonna|going to) * (regret|pay for) * (this|it"
                "|that)",
                "kidnap|kidnapped|kidnapping|hostage|hostages|ransom",
                "blackmail|blackmailed|blackmailing",
                "poison|poisoned|poisoning",
                "stalk|stalked|stalking|stalker",
                "=threaten|threatened|threatening|threat|threats",
            ],
        },
        exceptions=[
            "(kill|killing|killed|kills) * (process|processes|job|jobs|task|tasks|switch|app|apps"
            "|sync|feature|features|bug|bugs|project|projects|battery|performance|workflow"
            "|workflows|it|the mood|time|productivity|our productivity|the vibe|the deal|deal"
            "|a deal|ticket|tickets|query|queries|session|sessions|server|servers|pipeline"
            "|pipelines|thread|threads|tab|tabs|container|containers|pod|pods|instance"
            "|instances|idea|momentum|conversion|conversions|adoption|margin|margins|sales|the"
            "|the old|spreadsheets|spreadsheet|paperwork)",
            "kill switch|switches",
            "(would|'d|could) kill for",
            "killer (feature|features|app|apps|combo|deal|deals|price|product|integration|ui"
            "|ux|tool|dashboard|update|release|support|team|value|content)",
            "(killing|killed|kills|kill) it",
            "killing * (the competition|competition|rivals|the game|the market)",
            "(shoot|shooting|shot) * (me|us|them|him|her|you|over|across) * (an|a|the|over|your"
            "|quick|message|email|mail|dm|text|note|line|invite|link|file|files|details|quote"
            "|question|questions|reply|list|copy|update|call)",
            "(shoot|shot) (an|a|the|me|us|your) (email|mail|message|note|line|dm|text|quote"
            "|photo|photos|video|videos|campaign|ad|ads)",
            "(photo|video|product|fashion|campaign|ad|commercial|brand) (shoot|shoots|shot)",
            "(bombed|bomb|bombs) * (the)? * (demo|demos|presentation|pitch|interview"
            "|interviews|launch|test|exam|call|meeting|quarter|q1|q2|q3|q4)",
            "(the|da|a) bomb (!|.|,)",
            "(bomb-proof|bombproof|bombshell|photobomb|f-bomb|f bomb|bombard|bombarded"
            "|bombarding|bombing us with|bombarding us with)",
            "(email|emails|spam|message|messages|notification|notifications|marketing) * bomb"
            "|bombs|bombing|bombed",
            "(lifesaver|life-saver|life saver|lifesaving|life saving)",
            "dead (simple|easy|link|links|end|ends|zone|weight|stock|line|lines|letter|center"
            "|centre|on|serious|silence|quiet)",
            "deadline|deadlines",
            "smash|smashed (hit|hits|it|our targets|targets|the target|goals|the goal|records"
            "|record|expectations)",
            "(fire|fired) * (off|up|away) * (an|a|the|email|message|ticket|request)",
            "on fire (lately|this quarter|recently|today|this year|this month)",
            "(team|sales|support|product|you|we|they|guys) * (is|are|'re|was|were) * on fire",
            "(shooting|shoot) (for|range|star|stars|the breeze)",
            "break * (down|even|the ice|ground|through|out|into the market|records|the bank)",
            "(threat|threats) (detection|intelligence|intel|model|modeling|modelling|hunting"
            "|feed|feeds|protection|response|landscape|analysis|monitoring|assessment)",
            "(competitive|competitor|market|real|no|biggest|main|serious) threat|threats",
            "(pay|paid) * visit * (our|the) * (office|booth|stand|website|site|page)",
            "blood (test|tests|sample|samples|bank|banks|donation|drive|pressure|sugar|analysis)",
            "end of my rope|tether * (with the|trying to|figuring|waiting)",
            "(not|no) * (feel|feeling|felt) * unsafe",
            "safety (data|sheet|sheets|stock|standards|certificate|certificates|certification"
            "|rating|ratings|module|modules|feature|features|training|compliance|check|checks"
            "|audit|audits|inspection|inspections|record|records|report|reports|glasses|boots"
            "|gear|equipment|labels|labelling|labeling|program|programme|management|software"
            "|app|incident|incidents|officer|officers|team|net|margin|first|culture|documentation"
            "|protocol|protocols|procedures|procedure|policy|policies|manual|manuals|forms)",
            "(health|food|product|fire|workplace|road|driver|data|occupational|site|brand|type"
            "|thread|memory|chemical|warehouse|forklift) safety",
            "(end|ends|ending|ended) * (it|things|everything) * (with|contract|subscription"
            "|relationship|partnership|agreement|here|there|now|account|the|our|we|the trial)",
            "(end|ended|ending) (it|things) (with you|with them|with us|with your)",
            "ending (it|things) (here|now)",
            "end it all (here|now)? * (cancel|cancelled|cancelling|subscription|contract|account)",
            "harm * (your|our|the|their|my) * (reputation|brand|business|sales|ranking|rankings"
            "|seo|credibility|image|relationship|trust|deliverability|score|chances)",
            "hurt * (your|our|the|their|my) * (reputation|brand|business|sales|ranking|rankings"
            "|seo|credibility|image|relationship|trust|deliverability|score|chances|bottom line"
            "|margins|cash flow|feelings|morale|productivity|team morale)",
            "(hurt|hurts|hurting|harm|harms) * (us|them|you) * (financially|commercially|badly"
            "|a lot|in the market|in sales|on price|on margin)",
            "(this|it|that) (hurts|hurt)",
            "(no|zero|any|without) harm",
            "(will|'ll|gonna|going to|won't) * (regret|pay for) * (this|it|that) * (decision"
            "|purchase|choice|price|plan|renewal|contract)",
            "(knife|knives|blade|blades|cutter|cutters|bullet) (point|points|list|lists"
            "|journal|chart|charts|graph|graphs|sharpener|sharpeners|supplier|suppliers|product"
            "|products|block|blocks|set|sets)",
            "bullet|bullets",
            "(crowbar|knife|knives|machete|gun|guns|baseball bat) (supplier|suppliers|sku|skus"
            "|order|orders|line|lines|stock|product|products|inventory|catalog|catalogue|sales"
            "|set|sets|manufacturer|manufacturers)",
            "(glue|nail|staple|spray|caulk|heat|grease|hot glue|label|labelling|price|barcode"
            "|scan|scanning|scanner|squirt|water) gun|guns",
            "(acid|acids) (test|tests|resistant|resistance|free|wash|proof|base|bath)",
            "(hydrochloric|sulfuric|sulphuric|citric|nitric|acetic|amino|lactic|ascorbic|boric"
            "|phosphoric|hyaluronic|formic|stearic|folic|fatty|uric|salicylic) acid|acids",
            "stalk|stalking * (the)? * (competitor|competitors|rival|rivals|roadmap|changelog"
            "|release|releases|forum|forums|page|status page|twitter|linkedin|inbox)",
            "(ransom|ransomware) * (protection|note * feature|insurance)",
            "(weapon|weapons) (of choice|in our arsenal)",
            "(secret|best|our|a|the) weapon",
            "ball|ballpoint|paintball * gun|guns",
            "hostage|hostages * (data|our data|files|to|by|the invoice|invoices|by the vendor"
            "|the export|exports|account|accounts)",
            "(holding|hold|held) * (data|files|our data|us|account|accounts) * hostage",
        ],
    )


FAMILY_PATTERNS = (pattern_legal, pattern_security, pattern_fraud, pattern_safety)

# --------------------------------------------------------------------------- phrase language


Analyzer = Callable[[str], list[tuple[str, str]]]


def compile_phrase(phrase: str, analyze: Analyzer) -> list[list[dict[str, Any]]]:
    """Turn a phrase into spaCy Matcher token patterns (one per multi-word alternative).

    Words are matched on their lemma, so "sue" also matches "sued" and "suing". Syntax:
      a|b|c        any of these words; spaces separate slots, so wrap a group that has a
                   multi-word alternative in parentheses: "(plain text|cleartext) password"
      =a|b         exact lower-case forms for the whole group, no lemma; "=Sue" (with a
                   capital) is case-sensitive
      *            up to three arbitrary tokens
      (x|y)?       an optional group
    Words go through the same tokenizer as the text, so "can't" and "rip-off" match as the
    token sequences they become. A hyphen may stand between any two words ("cease-and-desist").
    """
    variants: list[list[dict[str, Any]]] = [[]]
    for raw_group in _split_groups(phrase):
        optional = raw_group.endswith("?") and len(raw_group) > 1
        group = raw_group[:-1] if optional else raw_group
        if group.startswith("(") and group.endswith(")"):
            group = group[1:-1]
        if group == "*":
            variants = [v + [{"OP": _GAP}] for v in variants]
            continue
        exact = group.startswith("=")
        if exact:
            group = group[1:]
        singles: list[tuple[str, bool]] = []
        sequences: list[list[tuple[str, bool]]] = []
        for alternative in (a for a in group.split("|") if a.strip()):
            words = [_analyzed(w, analyze, exact=exact) for w in alternative.split()]
            flat = [token for word in words for token in word]
            if len(flat) == 1:
                singles.append(flat[0])
            else:
                sequences.append(flat)
        options: list[list[dict[str, Any]]] = []
        if singles:
            options.append([_word_pattern(singles)])
        options.extend([_word_pattern([token]) for token in seq] for seq in sequences)
        if optional:
            options.append([])
        variants = [v + _joined(v, option) for v in variants for option in options]
    patterns = []
    for tokens in variants:
        while tokens and tokens[-1].get("OP") == _GAP:
            tokens = tokens[:-1]
        while tokens and tokens[0].get("OP") == _GAP:
            tokens = tokens[1:]
        if tokens:
            patterns.append(tokens)
    if not patterns:
        raise ValueError(f"phrase {phrase!r} matches nothing")
    return patterns


def _analyzed(text: str, analyze: Analyzer, *, exact: bool) -> list[tuple[str, bool]]:
    """The tokens of one phrase word as (value, exact): its lemmas, or its exact forms."""
    tokens = [t for t in analyze(text) if t[0] not in _HYPHENS]
    if exact:
        cased = text != text.lower() and len(tokens) == 1
        return [(text if cased else lower, True) for lower, _ in tokens]
    return [(lemma, False) for _, lemma in tokens]


def _joined(
    before: list[dict[str, Any]], words: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Words to append, each preceded by an optional hyphen when it follows another word."""
    tokens: list[dict[str, Any]] = []
    previous_is_word = bool(before) and before[-1].get("OP") != _GAP
    for word in words:
        if previous_is_word:
            tokens.append({"ORTH": {"IN": _HYPHENS}, "OP": "?"})
        tokens.append(word)
        previous_is_word = True
    return tokens


def _word_pattern(words: list[tuple[str, bool]]) -> dict[str, Any]:
    cased = [value for value, exact in words if exact and value != value.lower()]
    lower = [value for value, exact in words if exact and value == value.lower()]
    lemmas = [value for value, exact in words if not exact]
    if cased and not lower and not lemmas:
        return {"ORTH": {"IN": sorted(set(cased))}}
    if not lemmas:
        return {"LOWER": {"IN": sorted(set(lower) | {c.lower() for c in cased})}}
    if lower or cased:
        raise ValueError(f"mix of exact forms {lower + cased} and lemmas {lemmas} in one slot")
    return {"LEMMA": {"IN": sorted(set(lemmas))}}


def _split_groups(phrase: str) -> list[str]:
    """Split on spaces, keeping parenthesised groups (which may hold spaces) together."""
    groups: list[str] = []
    current: list[str] = []
    depth = 0
    for char in phrase.strip():
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == " " and depth == 0:
            if current:
                groups.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        groups.append("".join(current))
    return groups


# --------------------------------------------------------------------------- engine


@lru_cache(maxsize=1)
def _lemma_table() -> Table:
    """spaCy's English lemma lookup table (keys are string hashes; `get` takes the string)."""
    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@Language.component("review_triage_lookup_lemmas")
def _set_lemmas(doc: Doc) -> Doc:
    """Lemma from the lower-cased norm: "Accounts" -> "account", "'ll" -> "will"."""
    table = _lemma_table()
    for token in doc:
        norm = token.norm_
        token.lemma_ = table.get(norm, norm)
    return doc


def build_nlp() -> Language:
    """A blank English pipeline with lookup lemmas: no model download needed."""
    nlp = spacy.blank("en")
    nlp.add_pipe("review_triage_lookup_lemmas")
    return nlp


class RedFlagRules:
    """Runs every family's rules over a text. Build once; `find` is thread-safe."""

    version = RULES_VERSION

    def __init__(self, families: Iterable[FamilyRules] | None = None) -> None:
        self.nlp = build_nlp()
        self.families = tuple(families or (make() for make in FAMILY_PATTERNS))
        self.matcher = Matcher(self.nlp.vocab, validate=True)
        self._keys: dict[int, tuple[FlagFamily, str | None]] = {}
        for family_rules in self.families:
            for rule, phrases in family_rules.rules.items():
                self._add(family_rules.family, rule, phrases)
            self._add(family_rules.family, None, family_rules.exceptions)

    def _add(
        self,
        family: FlagFamily,
        rule: str | None,
        phrases: Sequence[str],
    ) -> None:
        key = f"{family.value}.{rule or '__exception__'}"
        patterns = [pattern for p in phrases for pattern in compile_phrase(p, self._analyze)]
        self.matcher.add(key, patterns)
        self._keys[self.nlp.vocab.strings[key]] = (family, rule)

    def _analyze(self, word: str) -> list[tuple[str, str]]:
        return [(token.lower_, token.lemma_) for token in self.nlp(word)]

    def find(self, text: str) -> list[RedFlagHit]:
        """Every rule hit in `text`, longest per overlapping span, in text order."""
        doc = self.nlp(text)
        return self.find_in_doc(doc)

    def find_many(self, texts: Iterable[str], batch_size: int = 256) -> list[list[RedFlagHit]]:
        return [self.find_in_doc(doc) for doc in self.nlp.pipe(texts, batch_size=batch_size)]

    def find_in_doc(self, doc: Doc) -> list[RedFlagHit]:
        hits: dict[FlagFamily, list[tuple[int, int, str]]] = {}
        vetoes: dict[FlagFamily, list[tuple[int, int]]] = {}
        for match_id, start, end in self.matcher(doc):
            family, rule = self._keys[match_id]
            if rule is None:
                vetoes.setdefault(family, []).append((start, end))
            else:
                hits.setdefault(family, []).append((start, end, rule))
        found: list[RedFlagHit] = []
        for family, spans in hits.items():
            blocked = vetoes.get(family, [])
            kept: list[tuple[int, int, str]] = []
            # Longest first, so a phrase ("class action lawsuit") wins over its parts.
            for start, end, rule in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
                if any(start < v_end and v_start < end for v_start, v_end in blocked):
                    continue
                if any(start < k_end and k_start < end for k_start, k_end, _ in kept):
                    continue
                kept.append((start, end, rule))
            for start, end, rule in kept:
                span = doc[start:end]
                found.append(
                    RedFlagHit(
                        family=family,
                        rule=f"{family.value}.{rule}",
                        text=span.text,
                        start=span.start_char,
                        end=span.end_char,
                    )
                )
        found.sort(key=lambda hit: (hit.start, hit.family.value))
        return found
