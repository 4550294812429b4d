"""Hard-coded, versioned red-flag rules: legal, security, fraud and safety.

The rules run beside the classifier and can only raise an item's severity to red. They are built
on spaCy: a blank English tokenizer and lemmas from spaCy's English lookup table (so "sued",
"suing" and "sues" all match "sue"). Phrases compile to spaCy `Matcher` token patterns, which a
small trie matcher here runs with the Matcher's semantics (every end of every start), about
ten times faster than spaCy's `Matcher` with thousands of set-valued patterns.

Each family is one `pattern_<family>()` function returning its rules and its exceptions, written
in a small phrase language (see `compile_phrase`). An exception is a harmless use of a scary word
("fraud detection module", "killer feature"); a hit that overlaps an exception is dropped.
When in doubt a rule fires: a human confirms every red item.

Most feedback can match no rule at all; a prefilter (`_Prefilter`) recognises such texts from
cached per-word facts, without running spaCy, and `find` returns no hits for them directly.

Change any phrase and you must bump `RULES_VERSION`; every prediction records it.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache, reduce
from importlib import metadata
from itertools import chain, compress, count
from operator import or_
from pathlib import Path
from typing import Any, NamedTuple

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from model.files import write_atomically
from model.labels import FlagFamily
from model.rules_base import FamilyRules

RULES_VERSION = "red_flags.v2"

# Up to this many arbitrary tokens may stand where a phrase says "*".
_GAP = "{0,3}"
_HYPHENS = ["-", "–", "—"]


@dataclass(frozen=True, slots=True)
class RedFlagHit:
    """One rule firing on one span of the text (character offsets, end exclusive), and the
    language of the phrase that fired (ISO 639-1)."""

    family: FlagFamily
    rule: str
    text: str
    start: int
    end: int
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["family"] = self.family.value
        return data


# --------------------------------------------------------------------------- families


def pattern_legal() -> FamilyRules:
    """Legal threats, legal action and regulators.

    Examples: "we will sue", "they sued us", "suing you", "class action", "my lawyer",
    "our general counsel has been instructed", "taking legal action", "see you in court",
    "small claims", "cease and desist", "complaint to the ombudsman", "GDPR complaint",
    "formal notice of claim", "under criminal investigation", "fined by the regulator".
    """
    return FamilyRules(
        family=FlagFamily.LEGAL,
        rules={
            "sue": [
                "=sue|sued|suing|sues|sueing|suin|sueed",
                "=su|suee them|you|us",
            ],
            "lawsuit": [
                "lawsuit|lawsuits|lawsiut|lawsuite|litigation|litigate|litigator|litigious",
                "law suit",
                "class action",
                "(file|filed|filing|bring|brought|patent|civil|federal|legal) suit|suits",
                "suit against",
                "(issue|issued|issuing|start|started|commence|commenced|bring|initiate) * "
                "proceedings",
                "(legal|court|criminal|formal|insolvency|winding-up|winding up) proceedings",
                "(file|filed|filing|filing a) * against * (you|them|us|your|the company)",
            ],
            "lawyer": [
                "lawyer|laywer|lawer|lawyers|attorney|attorny|atty|solicitor|solicitors|barrister"
                "|barristers",
                "(our|my|general|in-house|outside|external|legal|employment|corporate|company"
                "|their|of|to|with|retained|instructed|instruct|retain|engage|engaged|briefed"
                "|brief) counsel",
                "counsel ('s|will|has|have|is|are|advises|advised|letter|to follow|instructed)",
                "law firm",
            ],
            "legal_action": [
                "legal action|actions|proceeding|proceedings|step|steps|recourse|remedy|remedies"
                "|route|claim|claims|avenue|avenues|option|options|notice|letter|letters|battle"
                "|fight|dispute|challenge|correspondence|advice|process|case|threat|threats"
                "|obligation|exposure|consequences|means|matter|position",
                "legal (team|department|dept|counsel|people) * (reviewing|review|assess"
                "|assessing|filing|file|involved|deciding|considering|evaluating|preparing"
                "|drafting|pursue|pursuing|serve|serving|in touch|contact you|escalate"
                "|escalating|instructed|looking into|will be|claim|claims|against)",
                "take|taking|took * legal",
                "legally",
                "formal notice|claim|demand",
                "notice of (claim|breach|termination|dispute|default|action|intended)",
                "letter before action|claim",
                "serve|serving|served * notice",
                "(claim|claims|sue|recover|recovering|seek|seeking|pursue|pursuing) * "
                "(damages|losses|compensation|costs)",
                "=damages",
                "liable|liability",
                "hold * (responsible|liable|accountable)",
                "material breach",
                "breach of (contract|agreement|the agreement|the contract|our agreement"
                "|our contract|warranty|duty|statutory)",
                "(terminate|termination|terminating) for (cause|breach)",
                "right to (erasure|deletion|be forgotten)",
            ],
            "court": [
                "court|courts|courtroom",
                "small claim|claims",
                "tribunal|tribunals",
                "arbitration|arbitrator",
                "magistrate|magistrates|judge|judges|judgment|judgement|jury",
                "subpoena|summons|injunction|affidavit|deposition|testify|testimony",
            ],
            "cease_and_desist": ["cease and desist", "=c&d"],
            "regulator": [
                "regulator|regulators|ombudsman|ombudsmen|watchdog|watchdogs",
                "attorney general",
                "trading standards",
                "consumer (protection|rights|agency|authority|council|ombudsman|board|bureau"
                "|commission|office|tribunal)",
                "better business bureau",
                "=ftc|cfpb|bbb|accc|procon|cnil|osha|edpb|finra|ofcom|ofgem|ofwat",
                "=SEC|FCA|ICO|HSE|DPC|CMA|FTC|BBB",
                "data protection (authority|commissioner|regulator|office|agency|officer|board"
                "|complaint|complaints|violation|violations|breach|law|laws|act)",
                "supervisory authority",
                "(tax|environment|environmental|labour|labor|employment|health|safety|competition"
                "|financial|banking|privacy|telecom|transport|traffic) (authority|authorities"
                "|agency|agencies|department|ministry|inspectorate|inspector|commission"
                "|commissioner|regulator|office|board)",
                "(report|reporting|reported|complain|complained|complaint|complaining|escalate"
                "|escalating|escalated|refer|referred|referring|notify|notified|notifying) * to"
                " * (authority|authorities|regulator|regulators|police|watchdog|commission"
                "|government|ministry|agency|ombudsman|department)",
                "(file|filing|filed|lodge|lodging|lodged|submit|submitted|make|made|raise|raised) "
                "* (complaint|report|grievance) * with",
                "formal complaint|grievance",
                "(under|opened|open|launched|facing|face) * investigation",
                "(criminal|police|fraud|federal|regulatory|official|government|state|tax"
                "|formal) (investigation|investigations|probe|inquiry|enquiry|charges|case)",
                "investigate|investigated|investigating * (by|for) * (police|authority|regulator"
                "|authorities|agency|department|commission|government|prosecutors|fbi|sec)",
                "prosecute|prosecuted|prosecuting|prosecution|prosecutor|prosecutors",
                "(convict|convicted|conviction|indict|indicted|indictment|arrest|arrested"
                "|sentenced|charged with)",
                "=charged * with * (fraud|theft|embezzlement|embezzling|assault|bribery"
                "|corruption|manslaughter|tax evasion|money laundering|a crime|crimes"
                "|offences|offenses)",
                "(ouvidoria|consumidor|procon|consumer court|consumer forum|consumer helpline)",
                "=fined",
                "(penalty|penalties|sanction|sanctions) (from|by|of) * (regulator"
                "|authority|authorities|commission|agency|department|court|state|government)",
                "(get|got|been|was|were|being) =fined",
                "police",
            ],
            "data_protection": [
                "gdpr|ccpa|lgpd|pdpa|hipaa|dpdp * (complaint|violation|violations|violate|violated"
                "|breach|breached|infringe|infringement|fine|fines|report|authority|request"
                "|right|rights|notification|obligation|obligations|duty|duties)",
                "(complaint|violation|violate|violated|violating|breach|breaching|breaking|break"
                "|broke|infringe|infringement|report) * gdpr|ccpa|lgpd|pdpa|hipaa",
                "subject access request",
                "=dsar|sar",
                "privacy (law|laws|violation|violations|complaint|complaints|breach|regulator"
                "|authority|commissioner)",
                "notification (duty|duties|obligation|obligations)",
            ],
        },
        exceptions=[
            "(tennis|basketball|padel|squash|food|badminton|volleyball|football|pickleball"
            "|netball|futsal|five-a-side) court|courts",
            "court (booking|bookings|reservation|reservations|rental|rentals|schedule|app|hire"
            "|slot|slots|time)",
            "(attorney|attorneys|lawyer|lawyers|law firm|law firms|solicitor|solicitors) "
            "(client|clients|customer|customers|user|users|practice|practices|market|vertical"
            "|segment|template|templates|portal|module|edition|plan|tier|version)",
            "(for|serve|serving|supports|supporting|many|other|fellow|busy|small) (lawyer|lawyers"
            "|attorney|attorneys|solicitor|solicitors|law firm|law firms)",
            "(as|i am|i'm|am) (a|an) (lawyer|attorney|solicitor|paralegal|barrister)",
            "legal (template|templates|ops|operations|hold|holds|module|clause|clauses|entity"
            "|entities|name|requirement|requirements|tech|documents|docs|forms|spend|intake"
            "|billing|industry|sector|vertical|market|firms|firm|professionals|research)",
            "(liked|like|likes|love|loved|loves|approved|approve|approves|praised|appreciated"
            "|happy with|signed off|sign off|uses|use|used|reviewed|checked) * (legal team"
            "|legal department|counsel)",
            "legal (team|department|dept|counsel) (liked|likes|loved|loves|love|approved"
            "|approves|signed off|signs off|was happy|is happy|were happy|are happy"
            "|appreciated|appreciates|praised|uses|used|reviewed the|checked the|found the"
            "|has the|gets|got the|can|could|needs a|asked for a|wants a|requested a|requires)",
            "=judging|judged",
            "judge (by|for|from|whether|if|the quality|it|them|yourself|ourselves|for yourself)",
            "(shipping|transit|water|storm|freight|cargo|handling|physical|heat|frost) damages",
            "damages (to|in|on|during) (the|our|a|your)? (shipment|shipments|pallet|pallets"
            "|goods|item|items|box|boxes|package|packages|parcel|parcels|transit|delivery"
            "|product|products|crate|crates|container|containers|load|loads|cargo)",
            "(thanks|thank|to|with|ask|asked|contact|contacted|email|emailed|call|called|and|,"
            "|from) =Sue",
            "=Sue (=from|at|in|on|was|is|has|had|and|said|says|helped|did|does|got|answered"
            "|replied|sorted|fixed|explained|called|emailed|went|made|took|handled|walked|,|.)",
            "gdpr|ccpa|hipaa (compliant|compliance|ready|settings|template|templates|module"
            "|feature|features|friendly|documentation|docs|checklist|dashboard|tooling|toolkit)",
            "(limitation|limitations|limit|limits|cap|caps) of liability",
            "liability (insurance|cover|coverage|clause|clauses|cap|caps|waiver|waivers|limit"
            "|policy|policies)",
            "(public|product|employer|employers|professional) liability",
            "arbitration (clause|clauses|module|feature)",
            "(no|zero) (legal|liability) (issues|issue|problems)",
            "police (check|checks|clearance|clearances|vetting|certificate|certificates)",
            "counsel (module|template|templates|portal|edition)",
            "(our|the|outside|in-house|general|external) counsel (liked|likes|loved|approved"
            "|reviewed|signed off|was happy|praised|said it|said the|asked for a|wants a)",
            "(firm|team|group|practice) of * (lawyers|attorneys|solicitors)",
            "(we are|we're|i am|i'm|as) (a|an)? * (law firm|lawyer|attorney|solicitor|legal"
            " practice)",
            "(onboarding|onboard|hire|hiring|train|training|our) * (lawyers|attorneys|solicitors"
            "|paralegals) (to|on|onto|use|love|adore|like|save|enjoy|prefer|saves)",
            "(lawyers|attorneys|solicitors|paralegals) (adore|love|like|use|save|enjoy|prefer"
            "|loved|liked)",
            "(booking|booked|book|reserve|reserving|reserved|double-booking|double booking) "
            "(a)? (court|courts)",
            "court (surface|surfaces|lighting|lights|availability|time|times)",
            "(number|numbers|two|three|four|five|six|seven|eight|nine|ten|twelve|multiple"
            "|several|all|our|the|indoor|outdoor|clay|grass) (court|courts)",
            "(won over|impressed|convinced|delighted) * (lawyers|attorneys|solicitors)",
            "(law firms|lawyers|attorneys|solicitors) (we serve|we work with|we support"
            "|using|who use)",
            "litigation (hold|holds|support|templates|template|management|module|tracking"
            "|calendar|calendars)",
            "(tribunal|court) (bundle|bundles|e-filing|forms|deadlines|dates|filing|filings)",
            "cease and desist (letter|letters)? (template|templates)",
            "legal (team|department|dept) (has asked|asked|would like|wants|needs|need"
            "|requires|required|requested) (us|me|them|for|a|the|to see|to review|your"
            "|our|copies|copy)",
        ],
    )


def pattern_security() -> FamilyRules:
    """Hacking claims and account-security issues.

    Examples: "we were hacked", "data breach", "our data leaked", "account was taken over",
    "account compromised", "unauthorized login", "someone logged into our admin account",
    "phishing email from your domain", "ransomware", "passwords stored in plain text",
    "another customer's invoices were visible to us", "readable without a login".
    """
    assets = (
        "account|accounts|login|logins|password|passwords|credential|credentials|system|systems"
        "|server|servers|email|emails|inbox|workspace|tenant|device|devices|data|database|key"
        "|keys|token|tokens|admin|portal|network|laptop|dashboard|profile|mailbox|environment"
        "|instance|vault|store|storefront|session|sessions"
    )
    data_nouns = (
        "data|details|record|records|invoice|invoices|payslip|payslips|file|files|order|orders"
        "|address|addresses|card|cards|notes|statement|statements|information|info|name|names"
        "|salary|salaries|ledger|ledgers|document|documents|report|reports|dashboard|dashboards"
        "|account|accounts|contracts|contract|ssn|ssns|passport|passports|scans|photos|list"
        "|lists|payroll|receipts|ticket|tickets|messages|pdfs|pii|history|numbers|export|exports"
        "|attachments|uploads|folder|folders|bank statements|customer list|client list"
    )
    others = (
        "customer|customers|company|companies|merchant|merchants|patient|patients|employee"
        "|employees|client|clients|store|stores|user|users|tenant|tenants|hotel|hotels"
        "|business|businesses|organisation|organization|organisations|organizations|practice"
        "|firm|firms|shop|shops|seller|sellers|person|people|member|members|guest|guests"
        "|school|schools|agency|agencies|brand|brands|clinic|clinics|driver|drivers|worker"
        "|workers|account|accounts|candidate|candidates|landlord|landlords"
    )
    return FamilyRules(
        family=FlagFamily.SECURITY,
        rules={
            "hacked": [
                "=hacked|hacking|hacker|hackers|hackd|haked|hax|haxx|hacks|ransomwared",
                "hack into|in",
                "(get|got|been|was|were|be|being) hack",
                "(cracked|crack|cracking) * (password|passwords|vault|vaults|encryption|account"
                "|accounts|database|system|server|admin|login|key|keys|hash|hashes)",
                "(password|passwords|vault|vaults|encryption|account|accounts|database|login|key"
                "|keys|hash|hashes) * (cracked|crack)",
                "=pwned",
            ],
            "breach": [
                "breach|breached|breaches|breaching",
                "security (incident|incidents|issue|issues|hole|holes|flaw|flaws|lapse|lapses"
                "|vulnerability|vulnerabilities|failure|failures|problem|problems|complaint"
                "|concern|concerns|researcher|bug|risk|gap|gaps|event)",
                "vulnerability|vulnerabilities|exploit|exploited|exploiting|zero-day|0day|cve",
                "(privacy|data) (incident|incidents|breach|exposure|complaint|violation|leak"
                "|leaks|spill)",
                "(responsible|public|publicly|coordinated) (disclosure|disclosing|disclose)",
                "(penetration|pen) (tester|testers) * (found|discovered|showed)",
                "(privilege|privileges) escalation",
                "(brute force|brute-force|password spraying|credential stuffing|mfa fatigue"
                "|session hijacking|sql injection|xss|cross-site|man-in-the-middle|ddos|dos attack"
                "|card skimming|card-skimming|skimmer|skimmers|skimming script|magecart)",
                "attacker|attackers",
                "(cyber|cyber-attack|cyberattack|ddos|phishing|ransomware|malware|brute-force"
                "|targeted|hacker|hackers) (attack|attacks)",
                "(under|been|were|was|got|getting|being) (attack|attacked)",
                "beacon|beaconing",
            ],
            "data_leak": [
                "leak|leaks|leaked|leaking|leakage",
                "(expose|exposed|exposing|exposure) * (data|details|information|info|credentials"
                "|password|passwords|records|keys|key|files|pii|account|accounts|customers|emails"
                "|database|server|servers|tokens|addresses|exports|pricing|customers)",
                "(is|are|was|were|been|being|already|now|left|sitting|it|them) exposed",
                "(data|details|information|info|credentials|password|passwords|records|keys"
                "|files|pii|account|accounts|emails|database|server|tokens) * (expose|exposed"
                "|exposing|exposure)",
                "(publicly|public|openly) (readable|visible|accessible|available|open|viewable"
                "|downloadable|searchable|indexed|exposed|listed|shared)",
                "public (link|links|url|urls|bucket|buckets|folder|folders)",
                "(suddenly|now|went|gone|is|are|was|were|become|became) public",
                "(indexed|searchable|cached) * (search engine|search engines|google|bing"
                "|publicly|online|anyone)",
                "search engines * (index|indexed|indexing|find|found|show|showing)",
                "(visible|accessible|readable|viewable|available|open|shown|showing|displayed"
                "|displaying|searchable|downloadable|exposed) * (to|by|for) * (anyone|anybody"
                "|everyone|everybody|the public|strangers|other|others|another|every|outsiders"
                "|third parties|the internet|the world|search engines)",
                f"(anyone|anybody|everyone|everybody|strangers|outsiders|any user) * (can|could"
                f"|with|able) * (see|read|view|open|download|access|get|guess|reach) * "
                f"({data_nouns}|link|url|urls|file|files)",
                "without (login|logging in|authentication|a password|auth|any login|a session"
                "|session|signing in|sign-in|a login|any authentication|any auth|permission)",
                "(no|zero) (login|authentication|auth|session check|password) (needed|required"
                "|check)",
                f"(other|another|different|wrong) ({others}) ('s|') * ({data_nouns})",
                f"(somebody|someone|anybody|anyone) else ('s|') * ({data_nouns})",
                f"(see|saw|seeing|view|viewing|viewed|access|accessed|accessing|shown|showed"
                f"|received|receive|got|getting|opened) * (other|another) * ({others}) * "
                f"({data_nouns})",
                f"(sent|send|sending|emailed|emailing|shown|showed|showing|displayed|displaying"
                f"|visible|exposed|shared|sharing|read out|gave|given|forwarded|mailed|posted"
                f"|printed) * (to|with)? * (another|other|wrong|different|random|third|a third"
                f"|unrelated) * ({others}|party|parties|person|people|address|recipient"
                f"|recipients)",
                "(dark web|darkweb|paste site|pastebin|hacker forum|for sale online)",
                "(=dumped|posted|published|leaked|sold|selling|uploaded) * (online|on a|on the"
                "|forum|forums|internet|web)",
                "(walk|walked|walking) out with",
                "=pii",
            ],
            "compromised": [
                f"({assets}) * compromise|compromised",
                f"compromise|compromised * ({assets})",
                "=compromised",
            ],
            "account_takeover": [
                "account * take|taken|took over",
                "(take|taken|took|taking) over * (account|accounts|admin|login|logins|email"
                "|inbox|workspace|store|profile|page|tenant)",
                "account takeover|takeovers|hijack|hijacked|hijacking",
                "hijack|hijacked|hijacking|takeover",
                "(take|took|taken|gain|gained|get|got|seize|seized|taking|gaining) * control of",
                "locked (out|us out|me out) * (account|admin|our|my|email)",
            ],
            "unauthorized_access": [
                "access (that)? (they|he|she|someone|somebody|nobody|no one)? (should not"
                "|shouldn't|should never|must not) (have|had|be)",
                "(mfa|2fa|otp|push) (prompt|prompts|request|requests|notification"
                "|notifications|approval|approvals) * (accepted|approved|auto-approved)",
                "(sign-ins|sign ins|signins|logins|log-ins|sessions|session) * (from|in) * "
                "(ip|ips|device|devices|iphone|phone|laptop|country|countries|city|location"
                "|overseas|abroad)",
                "(country|countries|city|place|location) (that)? (none of us|nobody here|no one"
                " here)",
                "none of us (has|have|had) (been|ever been|visited|travelled|traveled)",
                "(does not|doesn't|do not|don't) belong to (us|me|our|any of us|anyone here)",
                "(still) (had|has|have) (access|admin access|credentials|a login|login)",
                "(former|ex|old|departed|fired|dismissed) (technician|rep|sales rep|consultant"
                "|vendor|supplier|agency|partner|it guy|developer|contractor|employee|manager)"
                " * (signing|signed|sign|logging|logged|accessing|accessed|used|using|still)",
                "(returns|returned|returning|shows|showed|showing|lists|listed|includes"
                "|included|pulls|pulled|exposes|contains|contained|gave|gives) * (from|of|for"
                "|belonging to) (other|another|different) (clinics|customers|companies|tenants"
                "|clients|merchants|stores|users|accounts|businesses|practices|firms|patients)",
                "(otp|otps|sms codes|one-time codes|2fa codes|verification codes)",
                "(entered|typed|gave|submitted|handed over|put in) * (their|his|her|our|my)? "
                "(credentials|password|passwords|login details|logins)",
                "(unauthorized|unauthorised|unknown|suspicious|strange|foreign|unrecognized"
                "|unrecognised|unfamiliar|rogue|stranger|strangers|external|random) "
                "(access|accessed|login|logins|log|logged|sign|signin|signed|session|sessions|ip"
                "|ips|device|devices|user|users|admin|admins|address|location|activity|person"
                "|people|party|someone|server|servers|domain|domains|app|apps|account|accounts"
                "|country|countries|transfer|changes|change|script|extension|integration|rule)",
                "(someone|somebody|stranger|strangers|intruder|intruders|attacker|attackers"
                "|criminal|criminals|third party|third-party|outsider|outsiders|whoever|hacker"
                "|hackers|unknown person|unknown people|former employee|ex-employee|ex employee"
                "|former staff|ex-contractor|former contractor|ex-partner|ex business partner"
                "|fraudster|fraudsters) (=has|had|was|is|were|are|just|then|also|somehow"
                "|still|else|has been|had been|must have|may have|might have)? (=logged|got"
                "|gotten|broke|accessed|accessing|signed|entered|used|using|changed|reset|added"
                "|took|moved|exported|downloaded|opened|viewed|created|edited|editing|inside"
                "|access|logging|reading|read|approved|installed|transferred|drew"
                "|applied|ordered|redirected|deleted|removed|disabled|enabled|granted)",
                "break|broke|broken into",
                "(access|accessed|viewed|seen|opened|downloaded|exported|used) * by * (someone"
                "|somebody|stranger|strangers|unknown|third|outsider|outsiders|hacker|hackers"
                "|attacker|another company|another customer|other customers|an outsider|a former"
                "|an ex|whoever)",
                "intruder|intruders|intrusion|intrusions",
                "(bypass|bypassed|bypassing|circumvent|circumvented|defeat|defeated) * (2fa|mfa"
                "|authentication|login|security|sso|password|two-factor|verification)",
                "(2fa|mfa|sso|two-factor|otp) * (bypass|bypassed|broken|disabled|auto-approved"
                "|approved|intercepted|reset)",
                "(was not|wasn't|were not|weren't) (me|us|any of us|one of us|mine|ours)",
                "(isn't|is not|aren't|are not) (mine|ours)",
                "(nobody|no one|noone|none of us) (here|on our side|on our end|in our team|else)?"
                " (=added|made|authorized|authorised|approved|changed|created|sent|requested"
                "|installed|granted|enabled|initiated|did that|did this|set up|logged|moved"
                "|transferred|booked|ordered)",
                "none of our (admins|staff|team|people|users|directors|employees) (=added|made"
                "|authorized|authorised|approved|changed|created|sent|requested|installed|granted"
                "|enabled|initiated|logged|applied|ordered)",
                "(do not|don't|did not|didn't|cannot|can't|not) (recognise|recognize|know|own)"
                " * (address|device|devices|login|logins|ip|app|user|admin|account|session|domain"
                "|location|phone|number|email|sender|server|employee|employees|worker|workers)",
                "(login|logins|logged|sign|signed|session|sessions|access|accessed|signin"
                "|sign-in|activity) * (from|in) * (another|a different|other|foreign|unknown|an"
                "|a) * (city|country|countries|region|continent|location|ip|ip range|device"
                "|state|town)",
                "(login|logins|sign-in|sign in|signed in|new device|device|session) * (alert"
                "|alerts|notification|warning)",
                "(alert|alerts|notification|warning) * (login|logins|sign-in|sign in|signed in"
                "|new device|device)",
                "(former|ex|old|deactivated|departed|fired|terminated|deleted) * (employee"
                "|employees|contractor|contractors|staff|user|users|admin|partner|colleague"
                "|worker|engineer|account) * (still|access|log|logging|logged|login|got|used"
                "|using|accessing|sessions|session)",
                "(sessions|session|access|credentials|logins) * (not|never|weren't|were not|wasn't"
                "|was not) * (revoked|removed|deactivated|disabled|terminated)",
                "(admin|administrator|full) (rights|access|privileges|permissions) * (to|for|on)"
                " * (everyone|every|all|contractors|strangers|anyone|agents|external)",
                "(sim swap|sim-swap|sim swapped|port out|ported out)",
            ],
            "phishing": [
                "(looks|look|looked|looking) like (yours|your domain|your address|your email"
                "|it came from you|it is from you|your login page|your site)",
                "(re-verify|reverify|re-validate|revalidate|re-confirm|reconfirm|re-enter"
                "|verify) * (login|account|password|details|credentials)",
                "phishing|phish|phished|phishy|phising|smishing|vishing",
                "fishing email|emails|link|links|attempt|attempts|text|texts",
                "spoof|spoofed|spoofing",
                "(impersonating|impersonate|impersonated|impersonation) * (you|your|us|our"
                "|support|staff|it support|bank|company|the company|team|helpdesk|ceo|cfo|admin)",
                "(claiming|claimed|claims|claim|purporting|purported|pretending|pretended|posing"
                "|posed) (to be|to come|as) * (from)? * (you|your|us|our|support|staff|it support"
                "|bank|company|the company|team|helpdesk|ceo|cfo|admin|director|manager)",
                "(fake|spoofed|cloned|lookalike|look-alike|bogus|counterfeit|malicious|fraudulent"
                "|dodgy|suspicious|phony|sketchy) * (portal|login|log-in|page|pages|site|sites"
                "|website|form|forms|domain|domains|email|emails|text|texts|sms|link|links|app"
                "|script|extension|redirect|sender|message|messages|call|calls|caller|popup"
                "|pop-up|credential form|sign-in)",
                "social engineering|engineered",
                "(clicked|click|clicking|opened) * (link|attachment|email|text) * (password"
                "|login|credentials|details|code|log in|logged in|typed|entered|gave)",
                "(asking|asked|ask|asks|requesting|requested) (for)? (their|your|my|our|his"
                "|her)? (password|passwords|credentials|login|login details|codes|code|pin|otp"
                "|otps)",
                "(mimic|mimics|mimicked|mimicking|copycat|imitation|clone|cloned|imitates"
                "|imitating) * (login|page|site|portal|website|domain|app|support page)",
                "(fake|spoofed|cloned|lookalike|look-alike|bogus|counterfeit|malicious) * * "
                "(page|portal|site|website|login)",
                "(read|gave|give|giving|shared|told|typed|entered|sent) * (code|codes|otp|password"
                "|passwords|pin|credentials|login details|2fa code|mfa code)",
                "redirect|redirects|redirected|redirecting * (to)? * (strange|unknown|fake"
                "|different|suspicious|another|random|weird|malicious|third-party)",
            ],
            "malware": [
                "(skimming|skimmed|skim|harvesting|harvested|stealing|stole|stolen|scraping)"
                " (card|cards|card details|card numbers|payment details|credentials|passwords"
                "|logins)",
                "ransomware|malware|spyware|keylogger|keyloggers|trojan|trojans|virus|viruses"
                "|worm|rootkit|botnet|cryptominer|ransom|adware|backdoor|backdoors",
                "infect|infected|infection * (installer|download|laptop|computer|computers"
                "|machine|machines|file|files|system|systems|pc|pcs|server|servers|device"
                "|devices|extension|plugin|update|attachment|network)",
                "(malicious|suspicious|rogue|unknown) (script|code|file|files|app|extension"
                "|plugin|package|payload|attachment|process)",
            ],
            "credentials_exposed": [
                "(password|passwords|credential|credentials|api key|api keys|secret|secrets|token"
                "|tokens|login details|pin|pins|encryption key|encryption keys|master key"
                "|private key) * (expose|exposed|exposing|leak|leaked|plain text|plaintext"
                "|cleartext|clear text|unencrypted|visible|public|publicly|stolen|steal|dump"
                "|dumped|posted|sent|emailed|printed|logged|shown|readable|pasted|shared|out there"
                "|compromised|in the wild|on a paste site)",
                "(plain text|plaintext|cleartext|clear text|unencrypted) * (password|passwords"
                "|credential|credentials|key|keys|token|tokens|card|cards)",
                "(four-character|weak|short|simple) (passwords|password) * (allowed|allows"
                "|accepted)",
                "no (mfa|2fa|lockout|two-factor|encryption)",
            ],
        },
        exceptions=[
            "(hacked|hacking|hack) (together|up|around|away|something|a workaround|a fix"
            "|a script|a quick|our way|it together)",
            "(growth|life|ethical|productivity|time-saving|clever|neat|nice|handy|quick|little"
            "|useful|simple|cool) (hack|hacks|hacking|hacker|hackers)",
            "hackathon|hackathons",
            "breach of * (sla|slas|service level|service levels)",
            "(sla|slas|service level|warranty|covenant|deadline) breach|breaches",
            "breach (notification|notifications|report|reporting|response|reports) (template"
            "|templates|feature|features|workflow|workflows|module|modules|playbook|tool|tools"
            "|plan|policy|form|forms)",
            "memory leak|leaks|leaking",
            "(oil|water|fluid|coolant|gas|air|roof|pipe|pipes|valve|valves|drum|drums|barrel"
            "|barrels|container|containers|tank|tanks|seal|seals|hose|hoses|gasket|gaskets"
            "|bottle|bottles|bag|bags|tap|faucet|pump|pumps|ceiling|sachet|sachets|pouch|pouches"
            "|carton|cartons|battery|batteries|ink|cartridge|cartridges|liquid|resin|glue"
            "|adhesive|paint|solvent|chemical|chemicals|pallet|pallets|packaging|lid|lids|box"
            "|boxes|tube|tubes|jar|jars|can|cans|pail|pails|tote|totes|ibc|ibcs|crate|crates"
            "|sealant|fitting|fittings|joint|joints|product|unit|units|cap|caps) (leak|leaks"
            "|leaked|leaking|leakage|that leak|that leaked|were leaking|was leaking|started"
            "|had leaked|have leaked)",
            "(leak|leaks|leaked|leaking|leakage) (oil|water|fluid|coolant|gas|air|everywhere"
            "|onto|through|resin|glue|paint|ink|liquid|solvent|chemical|from the|all over|into"
            "|in transit|during transit|out of)",
            "(leak|leaks|leaked|leaking|leakage) (test|tests|testing|detection|proof|free"
            "|resistant|rate|rates|check|checks|detector|detectors|sensor|sensors)",
            "(leakproof|leak-proof|leakage test)",
            "(reach|reached|reaching|find|found|make|made|a|fair|good|reasonable|sensible"
            "|acceptable|no|without) (compromise|compromises)",
            "(compromise|compromised) (on|between|with us|with them|quality|the design|design"
            "|on quality|on price|on features)",
            "(security|vulnerability|pen|penetration|soc 2|soc2|iso) (scan|scans|scanning"
            "|scanner|test|tests|testing|report|reports|review|reviews|questionnaire"
            "|questionnaires|audit|audits|assessment|assessments|program|programme|bounty"
            "|dashboard|dashboards|training|certification|certifications|features|settings|page"
            "|docs|documentation|center|centre|portal|whitepaper|pack|overview|posture"
            "|checklist|controls|standards|roadmap|webinar|team signed|team approved|team liked"
            "|team loved)",
            "(phishing|phish) (simulation|simulations|test|tests|training|awareness|template"
            "|templates|module|exercise|exercises|campaign builder|report button|filter|filters"
            "|protection|detection|reporting)",
            "(anti-phishing|antiphishing|anti phishing|anti-virus|antivirus|anti virus"
            "|anti-malware|antimalware|anti malware)",
            "virus (scan|scanner|scanning|protection|checker|definitions|scans)",
            "(covid|flu|stomach|cold|norovirus) * (virus|bug)",
            "(take|took|taken|taking) over (as|from|the role|the project|our account as"
            "|account management|the relationship|onboarding|duties|support|territory|the"
            " account as|managing|responsibility)",
            "(new|another|a different) (account manager|csm|rep) (took|has taken|will take) over",
            "(take|took|taken) over (the|our) (account|accounts) (as|from|management|team|last"
            "|in|when)",
            "(gain|gained|take|took|taken|get|got|regain|regained|taking|gaining) * control of"
            " * (costs|cost|spend|spending|budget|budgets|inventory|stock|schedule|schedules"
            "|cash flow|process|processes|workflow|workflows|our data|pipeline|pipelines"
            "|operations|expenses|chaos|the mess|things|hiring|payroll|our time|our calendar"
            "|reporting|finances|billing|our books|the books|margins|our brand)",
            "(strange|unknown|random|weird|external) (error|errors|bug|bugs|message|messages"
            "|behaviour|behavior|issue|issues|charge|charges|fee|fees|reason|reasons|glitch"
            "|glitches|character|characters|formatting|delay|delays|noise|prices|pricing)",
            "(unauthorized|unauthorised|unknown|unrecognized|unrecognised) (charge|charges|fee"
            "|fees|payment|payments|debit|debits|transaction|transactions|deduction|deductions"
            "|invoice|invoices|withdrawal|withdrawals|refund|refunds|billing|transfer"
            "|transfers)",
            "fishing (trip|gear|boat|boats|rod|rods|supply|supplies|tackle|industry|company"
            "|fleet|lodge|charter)",
            "(exploit|exploiting|exploits) (the|our|your|this|every|new) (feature|features|data"
            "|potential|opportunity|api|automation|market|gap|capability|capabilities)",
            "(exposure|exposed) (to|for) (risk|risks|currency|fx|market|markets|new markets"
            "|customers|buyers|investors|leads|prospects)",
            "(brand|media|press|market|marketing|social|more|great|good|extra|free|huge|massive"
            "|better|wider|sun|uv|heat|light|chemical|noise) (exposure|exposed)",
            "(exposure|expose) (our|your|the) (brand|product|products|name|content|listing"
            "|listings|company)",
            "(leaked|leak) (memo|roadmap|screenshots|slides|pricing|photos|product|release|plans)",
            "(attack|attacks|attacked|attacking) (surface|plan|the problem|the backlog"
            "|the issue|the market|it|this)",
            "(marketing|sales|ad|ads|growth|pricing|pr) attack",
            "(heart|panic|asthma) attack",
            "(public|publicly) (holiday|holidays|roadmap|api|apis|docs|documentation|beta"
            "|release|launch|company|listed|traded|status page|profile|page|pages|review"
            "|reviews|website|event|events|sector|transport|forum|forums|statement|apology"
            "|holiday calendar|holiday calendars)",
            "(went|go|going|gone|goes) public (with|about|on|in|last|next|this)",
            "(not|nobody|no one|none of us|none) (recognise|recognize|know) (the|this|that"
            "|your) (product|feature|brand|name|term|acronym|setting)",
            "(login|sign-in|device|security|new device) (alert|alerts|notification"
            "|notifications) (settings|setting|feature|features|option|options|config"
            "|configuration|page|emails|template|templates)",
            "(set up|setup|enable|enabled|configure|configured|turn on|turned on|add|added"
            "|customise|customize|how do i get|how can i get|can we get|get) * (login|sign-in"
            "|device|security) (alert|alerts|notification|notifications)",
            "(is|was|it's|it is|that's|that is|this is|wasn't|isn't) not (me|us) (complaining"
            "|saying|being|who|just)",
            "(attacker|attackers) (simulation|simulations|emulation)",
            "(redirect|redirects|redirected|redirecting) (rule|rules|setting|settings|url|urls"
            "|feature|features|option|options|page)",
            "(read|gave|give|shared|sent|entered|typed) (the|a|our|my|your|his|her) "
            "(promo|discount|voucher|coupon|referral|tracking|order|confirmation|postal|zip"
            "|post|booking|reference|dispatch|access|door) (code|codes)",
            "(sent|send|emailed|forwarded|shown|shared|gave|given) (to|with) (another|the other"
            "|a different) (team|department|colleague|manager|office|branch|site|member)",
            "(the|a|that|this|our|your) wrong (person|address|recipient|email|contact) * "
            "(parcel|package|delivery|order|pallet|shipment|goods|courier|driver|delivered)",
            "(delivered|shipped|sent|dispatched|went) (to|at) (the|a) (wrong|different) "
            "(address|depot|warehouse|site|customer|location)",
            "(ransomware|ransom) (protection|recovery|rollback|drill|drills|tabletop|exercise"
            "|simulation|simulations|protected|resilience|insurance|readiness|detection"
            "|defense|defence|defences|defenses|restore|restores|test|testing|playbook"
            "|response plan|recovery drill)",
            "(anti-ransomware|anti ransomware)",
            "breach (alerts|alert|monitoring|register|notification|notifications|contact"
            "|detection|reports|report|timer|timers|warning|warnings|policy|plan|response plan"
            "|simulation|drill|drills|log|logs|procedure|procedures|playbook|playbooks|clock"
            "|timeline|window|countdown)",
            "(sla|slas|response time|resolution time|first response|deadline|deadlines) * "
            "(breach|breaches|breached)",
            "(hacked|hacking|hack) * together",
            "(hacked|hacking) (my|our|the) (whole|entire)? (morning|routine|day|workflow|week"
            "|process|calendar|schedule|reporting|inbox|way)",
            "(phishing|phish) (resistance|resistant|resistent)",
            "(card-testing|card testing|bot|bots|credential-stuffing) (attack|attacks)",
            "(flagged|caught|stopped|detected|blocked|blocks|flags|catches|stops|detects) * "
            "(attack|attacks|attackers|attempts|phishing|malware)",
            "(attack|attacks) (response|simulation|simulations|tabletop|drill|drills|playbook"
            "|playbooks)",
            "(simulated|simulate|simulating|simulation of|mock|mocked|staged|rehearsed) * "
            "(attack|attacks|breach|breaches|incident|outage)",
            "(cyber-attack|cyberattack|cyber attack) (response|plan|plans|insurance|cover)",
            "(without|no) (any|a)? (login|log-in|account|sign-up|signup|password) (needed"
            "|required)",
            "(submit|submitted|report|reports|reporting|book|booking|apply|order|pay|paying"
            "|checkout|track|tracking) * without (any|a)? (login|logging in|account|signing in"
            "|sign-in)",
        ],
    )


def pattern_fraud() -> FamilyRules:
    """Fraud complaints and fraud claims.

    Examples: "this is fraud", "total scam", "they stole our money", "unauthorized charge",
    "charges we never approved", "charged us twice on purpose", "we filed a chargeback",
    "identity theft", "fake invoice", "money taken without consent", "con artists",
    "billing for hours that never happened", "different bank details on the invoice".
    """
    money = (
        "money|funds|fund|deposit|deposits|payment|payments|cash|refund|refunds|savings|fee"
        "|fees|balance|balances|payout|payouts|float|commission|commissions|wages|salary"
        "|salaries|dollars|euros|pounds|rupees|reais|bucks|escrow|retainer|advance|takings"
        "|settlement|settlements|earnings|tips|rent|premium|premiums|money back|pay|paycheck"
        "|paychecks|pension|pensions|contributions|profits|revenue|sales|amount|sum|credit"
        "|credits|investment|investments"
    )
    charge_nouns = (
        "charge|charges|debit|debits|payment|payments|transaction|transactions|withdrawal"
        "|withdrawals|deduction|deductions|invoice|invoices|billing|bill|bills|fee|fees"
        "|transfer|transfers|purchase|purchases|order|orders|renewal|renewals|subscription"
        "|subscriptions|upgrade|upgrades|add-on|add-ons|addon|addons|direct debit|surcharge"
        "|surcharges|line item|line items|amount|amounts|advance|advances|loan|loans|credit"
    )
    return FamilyRules(
        family=FlagFamily.FRAUD,
        rules={
            "fraud": [
                "fraud|frauds|fraudulent|fraudulently|fraudster|fraudsters|fraudlent|fraudolent"
                "|frawd|frauding|defraud|defrauded|defrauding|fradulent|fraudulant",
            ],
            "scam": [
                "scam|scams|scammed|scamming|scammer|scammers|scammy|scamm|scamer|scamers|skam"
                "|scamsters|scamed|scaming",
                "=con|cons|conned|conning",
                "con artist|artists|man|men|job|merchant|merchants",
                "swindle|swindled|swindler|swindlers|swindling",
                "(ponzi|pyramid scheme|pyramid schemes)",
                "(rip-off|ripoff|rip off|ripping off|ripped off|rip us off|rip people off"
                "|ripping people off|ripping us off|ripped us off)",
                "(it's|it is|its|is|are|they're|they are|a|an|whole|entire|total) "
                "(scheme|racket|sham|hustle|grift)",
                "grift|grifter|grifters|racket|racketeering",
                "(too good to be true)",
                "(bait and switch|bait-and-switch)",
            ],
            "theft": [
                f"(steal|stole|stolen|stealing|steals|nick|nicked|pocket|pocketed|pocketing|pocket"
                f"|pockets|embezzle|embezzled|embezzling|misappropriate|misappropriated|siphon"
                f"|siphoned|siphoning|skim|skims|skimmed|skimming|divert|diverted|diverting"
                f"|drain|drained|draining|swipe|swiped) * ({money}|from)",
                f"({money}) * (stole|stolen|vanish|vanished|disappear|disappeared|missing"
                f"|siphoned|pocketed|embezzled|misappropriated|diverted|drained|gone missing"
                f"|never arrived|went missing)",
                "thief|thieves|theives|theft|thieve|thieving|crook|crooks|robbery"
                "|robbers|robber|robbed|robbing|embezzlement|embezzler|launder|laundering"
                "|extort|extortion|extorted|extorting|stealing|steal|steals|stole",
                "(daylight robbery|highway robbery)",
                f"(take|took|taken|taking|takes|withdraw|withdrew|withdrawn|debit|debited|deduct"
                f"|deducted|grab|grabbed|keep|kept|keeping|hold|holding|held|collect|collected"
                f"|pull|pulled|charge|charged|bill|billed|help themselves to|helped themselves to"
                f") * ({money}|account|card|it) * (without|never|no) * (consent|permission"
                f"|authorization|authorisation|approval|asking|agreement|warning|notice|telling"
                f"|our ok|my ok|a po|purchase order|mandate)",
                f"keep|kept|keeping|hold|holding|held|withhold|withholding|withheld * ({money}) "
                f"* (and|but|then) * (disappear|vanish|ghost|vanished|disappeared|ghosted|stopped"
                f" responding|won't|will not|refuse|refused|refusing)",
                "pick|picking|picked * pockets|pocket",
                "skim|skims|skimmed|skimming",
                "(taking|took|kept|keeping|pocketing|pocketed|withheld|withholding|held|holding"
                "|sitting on|sit on|sits on) * (contributions|premiums|deposits|deposit|wages"
                "|pension|payouts|settlements|escrow|takings|merchant money|our money|my money"
                "|the money|client money|customer money|seller money)",
                "(money|funds|savings|cash|deposit|balance) ('s|is|has|was|has been|have) (gone"
                "|vanished|disappeared|missing|taken)",
                "(cash|money) grab",
            ],
            "unauthorized_charge": [
                "(nobody|no one|none of us) (in|at|here|on) * (authorised|authorized|approved"
                "|recognised|recognized|made|ordered|requested)",
                "(don't|do not|did not|didn't) (recognise|recognize|authorise|authorize|make"
                "|approve|issue|request|order) * (and)? * (never)? * (approved|authorised"
                "|authorized|made|issued|them|it|any of them|this|these)?",
                "(payee|payees|beneficiary|beneficiaries|merchant|company) (we|i) (have)? "
                "(never|don't|do not) (heard of|used|know|recognise|recognize|dealt with)",
                "(refunds|payments|payouts|transfers|charges) (we|i) (never|didn't|did not)"
                " (issued|issue|made|make|sent|send|approved|authorised|authorized)",
                "(bribe|bribes|bribery|kickback|kickbacks|backhander|backhanders|consultancy"
                " fee|personal fee)",
                "(gift cards|gift card|itunes cards|crypto|bitcoin|western union) * (pay|paid"
                "|settle|settling|payment|balance)",
                "(pay|paid|settle|settling|payment|balance) * (gift cards|gift card|itunes cards"
                "|crypto|bitcoin|western union)",
                "(bait and switch|bait-and-switch)",
                "(under|using|with) (his|her|my|their|our) (aadhaar|pan|ssn|social security"
                "|national insurance|passport|identity)",
                "(account|accounts) (got|was|were|has been|have been) (emptied|drained|cleaned out"
                "|wiped out)",
                "(went|sent|paid|transferred|routed|redirected) to (some|an|a) (account|bank"
                " account|card|iban) (that|which) (isn't|is not|wasn't|was not) (mine|ours)",
                "(switched|changed|swapped) the (deposit|payout|settlement|payment) (bank"
                "|account|details)",
                "(that's|that is|it's|it is|this is|totally|completely|clearly|entirely) "
                "(unauthorised|unauthorized)",
                "(charge|charges|payment|payments|invoice|invoices|debit|debits|fee|fees) * "
                "(never|not|wasn't|was not|were not|weren't) (been)? (approved|authorised"
                "|authorized|agreed|requested|ordered)",
                "(never|not) (been)? (approved|authorised|authorized|agreed) by (anyone|anybody"
                "|us|me|our|procurement|finance|any of us)",
                "(nobody|no one|none of us) (here)? (approved|authorised|authorized|agreed to"
                "|ordered|requested) (it|this|that|them|these)",
                "(charged|billed|debited|deducted|took|taken|taking|withdrew|withdrawn|collected"
                "|pulled|added|renewed|upgraded|signed us up|enrolled|charging|billing|debiting"
                "|deducting) * * without (our|my|his|her|their|any|prior)? (approval|consent"
                "|permission|authorisation|authorization|agreement)",
                "(fee|fees|charge|charges|subscription|subscriptions|add-on|add-ons|addon|addons"
                "|upgrade|upgrades|plan|seats|services|insurance|protection|extras) * (i|we|that"
                "|which) (never|didn't|did not|had not|hadn't) (sign up for|signed up for"
                "|agree to|agreed to|ask for|asked for|order|ordered|request|requested|authorise"
                "|authorised|authorize|authorized|want|wanted|approve|approved|use|used)",
                "(we|i) (declined|refused|rejected|never asked for|never ordered|never agreed to"
                "|explicitly declined|turned down)",
                "(that|which) (never|simply never|did not|didn't|simply didn't|never actually)"
                " (=happened|existed|occurred|took place)",
                "(billed|charged|charging|billing|debited|debiting|invoiced|invoicing) * * "
                "(after|since|despite) (we|i|we'd|i'd|we had|i had|they|it|cancellation|cancel"
                "|cancelling|closing|deleting|termination|the account) * (cancelled|canceled"
                "|cancelling|closed|deleted|terminated|deactivated|left|ended|switched off"
                "|turned off)?",
                "(debiting|charging|billing|debited|charged|billed) * (closed|cancelled|canceled"
                "|deleted|deactivated|dormant) * (account|accounts|card|cards|subscription"
                "|subscriptions)",
                "(my|our|his|her|their) (card|cards|card details|bank account) (was|were|got"
                "|has been|had been|have been) (used|charged|cloned|skimmed|compromised|emptied"
                "|drained|debited|stolen)",
                "(transactions|charges|payments|purchases|debits) * (none of them|none|not) * "
                "(mine|ours|by us|by me|ours)",
                "suspiciously (convenient|timed|high|large|often)",
                "(employees|workers|staff|payees|vendors|suppliers|contractors|users|seats) "
                "(we|that we|who we) (do not|don't|never) (have|employ|employed|hired|know"
                "|added|recognise|recognize)",
                "(certificates|certificate|certs|documents|reviews|results|reports|records"
                "|timesheets|figures|screenshots) (are|is|were|was|were all|are all) (fake|forged"
                "|fabricated|falsified|bogus|doctored|made up)",
                f"(unauthorized|unauthorised|unrecognized|unrecognised|unknown|unapproved|mystery"
                f"|fake|bogus|phantom|illegitimate|unexplained|suspicious|strange|random|secret"
                f"|sneaky|unagreed|unsanctioned|invented|made-up|made up|fictional|fictitious"
                f"|imaginary) * ({charge_nouns})",
                "(charge|charged|charging|charges|bill|billed|billing|bills|debit|debited"
                "|invoice|invoiced|invoicing|took|take|takes|taking|deduct|deducted|collect"
                "|collected) * (without|never) * (consent|permission|authorization|authorisation"
                "|approval|agreement|asking|authorizing|authorising|approving|agreeing|telling"
                "|notice|warning|a po|purchase order|our ok|my ok)",
                f"(never|not|nobody|no one|none of|neither) * (authorize|authorise|authorized"
                f"|authorised|approve|approved|agree|agreed|consent|consented|sign|signed"
                f"|order|ordered|recognise|recognize|request|requested|booked|book|tendered"
                f"|applied|apply|bought|purchased|asked for|wanted|accepted|placed) * "
                f"({charge_nouns}|hours|services|work|loads|deliveries|jobs|job|users|seats"
                f"|licences|licenses|devices|shipments|placements|items|goods)",
                "(charge|charged|charging|charges|bill|billed|billing|bills|debit|debited"
                "|invoice|invoiced|invoicing|overcharge|overcharged|overcharging|take|took"
                "|taken|takes) * (on purpose|deliberately|intentionally|knowingly|purposely"
                "|purposefully|deliberate|again and again|every time|twice|double|two times"
                "|three times|2x|multiple times)",
                "(deliberate|deliberately|intentional|intentionally|knowingly|on purpose) * "
                "(overcharge|overcharged|overcharging|double|charge|charged|bill|billed|billing"
                "|debit|debited|invoice|invoiced|inflate|inflated|pad|padded)",
                "(double|twice|two times|three times|duplicate|duplicated) (charged|charge"
                "|charges|billed|billing|debited|debit|deducted|taken|collected|payment"
                "|payments)",
                "(charged|billed|debited|invoiced|charging|billing|charge|bill|takes|took|taking"
                "|keep charging|kept charging|still charging|continue charging|continued"
                "|keeps billing|kept billing|still billing) * (after|since|despite) * (cancel"
                "|cancelled|canceled|cancelling|canceling|cancellation|closing|closed|deleted"
                "|deleting|termination|terminated|ending|ended|leaving|left|deactivated"
                "|switched off|turned off|removed)",
                "(billed|billing|charged|charging|charge|bill|invoiced|invoicing) * for * "
                "(users|seats|devices|hours|loads|licences|licenses|work|services|items|goods"
                "|deliveries|jobs|units) * (never|didn't|did not|don't|do not|that|which|we"
                "|weren't|were not|no longer|had been|deactivated|removed|cancelled|nobody)",
                "(hours|work|loads|deliveries|jobs|shipments|services|placements|orders|trips"
                "|visits|shifts|sessions) (that|which)? (never|simply never|did not|didn't|simply"
                " didn't|never actually) (happened|happen|existed|exist|took place|occurred"
                "|happen)",
                "(extra|missing|wrong|added) (zero|zeros|zeroes|digit)",
                "(always|conveniently|suspiciously) (in your favour|in your favor|in their favour"
                "|in their favor|rounded up)",
                "(in your favour|in your favor|in their favour|in their favor)",
                "(card|account|cards) * (used|charged|debited|emptied|drained|maxed) * (wasn't"
                "|was not|not|none|without|by someone|abroad|overseas|in another|never)",
                "(fake|false|fabricated|forged|doctored|falsified|bogus|invented|made-up|made up"
                "|padded|inflated) (timesheet|timesheets|hours|expenses|claims|invoices|invoice"
                "|bills|receipts|charges|surcharges|fees|placements|reports|figures|numbers)",
                "fabricate|fabricated|fabricating",
            ],
            "chargeback": [
                "(file|filed|filing|initiate|initiated|initiating|raise|raised|raising|open|opened"
                "|issue|issued|do|did|doing|start|started|request|requested|go for|going for"
                "|submit|submitted|get|got|pursue|lodge|lodged|make|made|put in|putting in"
                "|threaten|threatening) * (chargeback|chargebacks|charge-back|charge back)",
                "(chargeback|chargebacks|charge-back|charge back) (with|through|via) (my|our|the)"
                " * (bank|card|issuer|amex|visa|mastercard|paypal|credit card)",
                "(charge|charging|charged) * back (with|through|via) * (bank|card|issuer|amex"
                "|visa|mastercard|paypal)",
                "=charge (it|this|that)? back",
                "(mention|mentioned|mentioning|threaten|threatened|threatening) * (chargeback"
                "|chargebacks|charge-back)",
                "(dispute|disputed|disputing|reverse|reversed|reversing|cancel|cancelled|block"
                "|blocked|report|reported|reporting|contest|contested) * (charge|charges"
                "|payment|payments|transaction|transactions|debit|debits) * (with|through|via"
                "|to) * (bank|card issuer|issuer|amex|visa|mastercard|credit card company"
                "|card company|paypal)",
                "(bank|card issuer|issuer|amex|visa|mastercard|credit card company|card company"
                "|paypal) * (dispute|disputed|reverse|reversed|claim|reversal|confirmed|fraud"
                "|flagged|blocked)",
            ],
            "identity_theft": [
                "identity theft|fraud|thief|thieves",
                "(steal|stole|stolen|stealing|use|used|using|misuse|misused|took|taken) * "
                "(identity|identities|ssn|passport|passports|tax id)",
                "(identity|identities) * (steal|stole|stolen|stealing|misuse|misused|hijack"
                "|hijacked|taken|used)",
                "in (our|my|his|her|their) name",
                "impersonate|impersonated|impersonating|impersonation|impersonator|impersonators",
                "(pretend|pretended|pretending|posing|posed) * (to be|as) * (us|our|you|your"
                "|staff|employee|employees|vendor|supplier|support|company|bank|ceo|cfo"
                "|director|manager|from)",
            ],
            "fake_invoice": [
                "(fake|forged|fraudulent|bogus|spoofed|doctored|falsified|counterfeit|phony"
                "|phoney|sham|fictitious|cloned) * "
                "(invoice|invoices|bank details|bank account|receipt|receipts|vendor|vendors"
                "|bill|bills|payment request|payment requests|remittance|quote|quotes|supplier"
                "|suppliers|certificate|certificates|sender|domain|email|reviews|review"
                "|company|companies|website|site|letter|letters|documents|document)",
                "(invoice|invoices|bill|bills|payment request|letter|email) * (looks|look|seems"
                "|seem|is|are|feels) * (off|fake|odd|suspicious|dodgy|wrong|strange|genuine"
                "|real|legit|legitimate)",
                "(suspicious|dodgy|strange|odd) (invoice|invoices|bank details|payment request"
                "|payment requests|sender|remittance)",
                "(is|are|was) (this|that|these|it) (invoice|invoices|email|letter|bill|bills"
                "|sender|payment request)? (really|actually|genuinely)? (from you|yours|you"
                "|genuine|legit|legitimate)",
                "(bank details|bank account|account details|payment details|iban|sort code"
                "|account number) * (differ|differs|different|changed|change|new|don't match"
                "|do not match|not match|mismatch)",
                "(different|new|changed|another|unknown|strange|unfamiliar|random"
                "|someone else's) * (bank details"
                "|bank account|account details|payment details|iban|sort code|account number)",
                "(invoice|invoices|payment request|bill|bills|remittance) * from * (a|an)? * "
                "(different|new|unknown|strange|unfamiliar|another|odd|weird) * (domain|address"
                "|sender|email address)",
                "(change|changed|changing|swap|swapped|update|updated|switch|switched) * (bank"
                "|payout|payment|settlement|supplier|vendor) * (details|account|accounts|info"
                "|information)",
                "(invoice|payment|payroll|vendor|ceo|cfo|mandate|wire|bank|card|tax|insurance"
                "|refund|billing) (fraud|scam|scams|fraudster|fraudsters)",
                "counterfeit|counterfeits|forgery|forged|falsify|falsified|falsifying",
                "(drawn|taken out|opened|applied for) * (credit|loan|loans|account|accounts"
                "|advance|advances|card|cards) * in (our|my|his|her|their) name",
            ],
        },
        exceptions=[
            "(scam|scams) (detection|prevention|protection|filter|filters|awareness|education"
            "|warning|warnings|alert|alerts|training|check|checks|blocker|blocking|call|calls"
            "|domains|domain|list|lists|emails|texts|sms|numbers|sites)",
            "identity theft (screening|checks|check|protection|insurance|monitoring|cover"
            "|training)",
            "(fraud|frauds|chargeback|chargebacks) (detection|detect|detecting"
            "|prevention|prevent|preventing|protection|protect|screening|screen|scoring|score"
            "|scores|module|modules|engine|engines|rule|rules|check|checks|checking|tool|tools"
            "|filter|filters|filtering|monitoring|monitor|analyst|analysts|analytics|alert"
            "|alerts|model|models|dashboard|dashboards|api|apis|add-on|addon|feature|features"
            "|setting|settings|product|products|solution|solutions|suite|service|services"
            "|capability|capabilities|layer|layers|queue|queues|workflow|workflows|case|cases"
            "|report|reports|reporting|risk|ops|operations|controls|control|signals|signal"
            "|scanner|system|systems|platform|stack|vendor|vendors|specialist|specialists"
            "|department|squad|expert|experts|training|certification|course|webinar|library"
            "|insights|radar|guard|shield|sensitivity|threshold|thresholds|team|teams"
            "|management|manager|managers|rate|rates|ratio|ratios|handling|automation|evidence"
            "|representment|response|responses|data|guarantee|insurance|api|tab|screen|view"
            "|page|export|exports|integration|awareness|education|warning|warnings|lead|leads"
            "|investigation tools|flags|review queue|review queues|review|heatmap|heatmaps"
            "|coverage|losses|loss|tooling|engine|endpoint|endpoints|notifications"
            "|notification|queue|window|windows|evidence|kit|analysis)",
            "(first|few|our|the|any|more|of|fewer|less|handle|handling|managing|about"
            "|terrified of|afraid of|worried about|dealing with) (chargeback|chargebacks)",
            "(anti-fraud|antifraud|anti fraud|anti-scam|anti scam)",
            "fraud and (risk|compliance)",
            "(detect|detects|detected|detecting|prevent|prevents|prevented|preventing|catch"
            "|catches|caught|catching|flag|flags|flagged|flagging|block|blocks|blocked|blocking"
            "|fight|fighting|reduce|reduced|reducing|stop|stops|stopped|stopping|spot|spots"
            "|spotted|spotting|combat|combating|combatting|cut|cutting|lower|lowered|manage"
            "|managing|track|tracking|win|won|winning|handle|handling|contest|contesting"
            "|dispute) (fraud|frauds|fraudulent|scam|scams|chargeback|chargebacks|fraudulent"
            "orders|fraudulent transactions)",
            "(detect|detects|detected|detecting|prevent|prevents|prevented|preventing|catch"
            "|catches|caught|catching|flag|flags|flagged|flagging|block|blocks|blocked|blocking"
            "|fight|fighting|reduce|reduced|reducing|stop|stops|stopped|stopping|spot|spots"
            "|spotted|spotting|combat|cut|cutting|lower|lowered) (more|most|all|the|our|a lot of"
            "|less|fewer|real|actual|card|payment|promo|refund|return) (fraud|fraudulent|scam"
            "|scams|chargeback|chargebacks)",
            "(a|such a|total|absolute|real|what a|is a|was a|an absolute|bit of a|at that"
            "|proper) steal",
            "(steal|stole|stolen|stealing) (the show|show|our hearts|the spotlight|a look|a glance"
            "|a march|my heart|idea|ideas|design|designs|customers|clients|deals|business"
            "|market share|our customers|some customers|a few customers|the deal|talent)",
            "(robbery|heist) (movie|film|game|level|theme|escape room)",
            "(rob|robbed|robbing) (us|me|them) (of) (time|hours|sleep|weekend|weekends|focus)",
            "identity (provider|providers|management|verification|verify|check|checks|platform"
            "|sso|federation|store|service|services|theft protection|fraud protection|fraud"
            "detection)",
            "(forged|forging|forge) (ahead|partnership|partnerships|relationship|relationships"
            "|link|links|bond|bonds|steel|metal|parts|part|components|component|aluminium"
            "|aluminum|iron|brass|shop|wheels|fittings)",
            "fake (it|plant|plants|data|demo data|sample|samples|test data|leather|fur|grass"
            "|tan|snow|door|news feature)",
            "(hidden) (fee|fees|charge|charges|cost|costs)",
            "(no|zero|never any|never|without|free of) (hidden|surprise|extra|unexpected) (fee"
            "|fees|charge|charges|cost|costs)",
            "(card|account|payment|the) (dispute|disputes) (module|feature|workflow|workflows"
            "|tool|tools|tab|flow|flows|screen|page|process)",
            "(pros|pro|cons|con|pros and|and) (:|list)",
            "(pros and cons|pro and con|pros & cons|pros/cons)",
            "=con :",
            "(one|only|biggest|main|minor|small|the) (con|cons)",
            "(con|cons) (is|are|:|would be|was|were)",
            "(extra|second|duplicate|double) (pair of eyes|monitor|screen|seat|seats|user"
            "|users|licence|license|step|steps|click|clicks|login|shift|shifts|driver|drivers"
            "|warehouse|location|locations|site|sites|copy|copies|check|checks|set of eyes)",
            "(duplicate|duplicated|duplicates) (record|records|contact|contacts|entries|entry"
            "|ticket|tickets|lead|leads|row|rows|sku|skus|line|lines|order lines|shipment"
            "|notification|notifications|email|emails|field|fields)",
            "(double|double-) (check|checked|checking|click|clicked|entry|booking|bookings"
            "|shift|shifts|the speed|the price)",
            "(real|genuine|legit|legitimate) (time|feedback|people|problem|issue|improvement"
            "|value|support|human|humans|person|world|estate|deal|partner|partnership|benefit"
            "|benefits|reviews)",
            "(takes|took|take|taking) (our|my|the) (money|payment|payments) (securely|quickly"
            "|fast|easily|smoothly|reliably|in)",
            "(steal|stole|stolen|stealing) (a|our|their|my) (idea|ideas|design|designs|layout"
            "|feature|features|workflow|ui|ux|look)",
            "(in your favour|in your favor) (too|as well|for once|this time)",
            "(off|odd|suspicious|dodgy) (peak|season|hours|chance|days|day|site|line|the shelf"
            "|the back|the charts|topic)",
            "(real|genuine) (estate|time)",
            "(is|was) (this|that|it) (real|genuine) (leather|wood|steel|metal|gold|silver)",
            "(different|new|changed|another) (domain|email address|sender) * (marketing|newsletter"
            "|newsletters|campaign|campaigns|sso|login page)",
            "(update|updated|change|changed|switch|switched) (our|my|the) (bank|payout|payment"
            "|billing) (details|account|info|information) (in|on|via|through|under) (the|our"
            "|your|settings|billing)",
            "how (do|can|should) (i|we) (update|change|switch) * (bank|payout|payment|billing)"
            " (details|account|info|information)",
        ],
    )


def pattern_safety() -> FamilyRules:
    """Threats of violence, self-harm or suicide statements, criminal threats.

    Examples: "someone at your office is going to get hurt", "I'll be waiting outside your
    depot", "I'll burn your warehouse down", "I want to end it all", "I'm going to kill
    myself", "I don't see the point of living", "I'll post your staff's home addresses",
    "he said he'd stab me", "you'll need an ambulance", "bomb threat".
    """
    people = (
        "you|your|yourself|yourselves|him|her|them|someone|somebody|everyone|everybody|staff"
        "|people|driver|drivers|employee|employees|manager|managers|ceo|founder|founders|team"
        "|rep|reps|agent|agents|worker|workers|guy|guys|he|she|they|whoever|anyone|family"
        "|families|kids|children|boss|owner|owners|cfo|director|salesman|salesperson|me|us"
        "|colleague|colleagues|clerk|supervisor|mum|mom|dad|wife|husband|brother|sister|son"
        "|daughter|customer|consultant"
    )
    return FamilyRules(
        family=FlagFamily.SAFETY,
        rules={
            "violence": [
                "(drive|driving|drove|ram|ramming|rammed|crash|crashing|plough|plow) * (truck"
                "|car|van|lorry|vehicle|bus|forklift) * (through|into) * (office|building|shop"
                "|store|window|door|gate|depot|front|reception|warehouse)",
                "(pay for it|pay for this|pay for that) (personally|physically|in blood|with"
                "|the hard way)",
                "(don't|do not|not) mean (money|financially|in court|legally)",
                "(know|knows|found out) * (what car|which car|which gym|what gym|where he parks"
                "|where she parks|his car|her car|his routine|her routine|his address"
                "|her address)",
                "expect to see me",
                "(be|wait|waiting|standing|camp|camping|parked|turn up|show up|sit|sitting)"
                " * outside (your|the|his|her|their) (office|offices|depot|warehouse|home"
                "|house|door|gate|premises|building|reception|site|yard|car park)",
                "(stretcher|body bag|wheelchair|hospital bed|in an ambulance)",
                "(end|ends|ending|ended|wind|winds|be|up) in a box",
                "(brick|bricks|rock|rocks) * (through|at|into)",
                "(come|coming|will|'ll|'d|would|gonna) (and)? find (you|him|her|them|your)",
                "(find|finding) (your|the) (driver|drivers|rep|manager|owner)",
                "teach * (a lesson|lesson)",
                "(picking|pick|pick up) * (teeth|tooth)",
                "(tires|tyres|windows|trucks|vans|cars) * (slashed|smashed|torched|burned|burnt)",
                "(won't|will not|wont|not|never) * * in one piece",
                "(send|sending|bring|bringing) * (lads|boys|guys|mates|friends|heavies|muscle"
                "|the boys) (round|around|over|to|after|down)",
                "(sort|sorted|sorting) (him|her|them|you) out",
                "(accidents happen|accident could happen|accidents can happen)",
                "(had better|'d better|better) (keep walking|stay away|keep away|not come"
                "|not show|watch out|watch it)",
                "(put|throw|throwing|push|pushing|shove) (him|her|you|them) (through|out of"
                "|into|down) (the|a|your|his|her)? * (window|windows|wall|door|stairs)",
                "(had better|'d better|better) (hide|run|watch out|be careful|watch their backs"
                "|watch your back|lock the doors|stay inside|stay home|stay away|not be there)",
                "make an example of",
                "(coming|come|comes|came) (for|after) (you|him|her|them|your|his|her)",
                "(her|his|your|their|my) (skull|kneecaps)",
                "(smash|break|punch|kick|bash|rearrange|slap|hit) * (her|his|your|their|my)"
                " (face|teeth|head|legs)",
                "(stabbed|stab|beat up|beaten up|shot|attacked|assaulted|punched|hit|killed"
                "|kicked|shoved|slapped|threatened) (a|an|the|one of|two of|our|your|my) * "
                "(customer|customers|worker|workers|driver|drivers|employee|employees|colleague"
                "|colleagues|man|woman|member|agent|agents|guard|staff|courier|manager)",
                "(come|coming|came) (round|around|over) (and|to) (explain|sort|teach|show|deal"
                "|settle)",
                "(visit|visiting) * (office|depot|warehouse|site|home|building) * (surprise"
                "|a surprise|friends|mates)",
                "(nobody|no one|not) (is)? safe",
                f"(kill|shoot|stab|stabbed|murder|strangle|slap|assault|punch|beat|injure|maim"
                f"|choke|knife|batter|bash|attack|hurt|harm|shove|shoved|hit|smack|kick|thump"
                f"|deck|hospitalise|hospitalize) ({people})",
                f"({people}) * (get|gets|getting|got|be|been|end|ends|ending|goes|go|going|leave"
                f"|leaves|leaving|wind|winds) * (hurt|killed|shot|stabbed|harmed|injured|beaten"
                f"|attacked|punched|dead|in hospital|bleeding|paid a visit|in an ambulance"
                f"|in a body bag|in pieces|in one piece|home in|what's coming|what is coming"
                f"|an accident|accident|sorted out|dealt with|taught a lesson)",
                "(i|we|he|she|they|someone|somebody|you|people|driver|manager|guy|man|customer"
                "|caller|supervisor|consultant|lead) * (will|'ll|gonna|going|want|wanna|would"
                "|'d|swear|promise|plan|planning|coming|ready|threatened|about|could|might"
                "|should) (to)? (hurt|kill|shoot|stab|beat|punch|harm|attack|murder|strangle"
                "|smash|burn|torch|bomb|injure|maim|choke|batter|bash|slap|assault|knife|kick"
                "|thump|deck|break|hit|smack|hunt)",
                "(will|'ll|gonna|going|want|wanna|would|'d|swear|promise|plan|planning|coming"
                "|ready|threatened|about) (to)? (beat up|run over|shoot up|blow up|hunt down"
                "|find you|find him|find her|find them|find your|come for|come after|come round"
                "|come back|pay a visit|be waiting|get even|sort out|deal with)",
                "(waiting|wait|waits|be outside|outside|be there|turn up|turning up|show up"
                "|showing up|come|coming) * (outside|for|at|to|round|around|by) * (your|the|his"
                "|her|their) * (office|offices|depot|warehouse|building|home|house|door|doorstep"
                "|hq|headquarters|premises|gate|store|car|shop|site|reception|parking|car park"
                "|yard|branch|desk|family)",
                "(know|knows|find|found|finding|track|tracked|tracking|learn|learned|figure"
                "|figured|got|have) * (where|what time|when) * (you|he|she|they|your|staff|people"
                "|driver|ceo|manager|his|her|their|the) * (live|lives|living|work|works|sleep"
                "|sleeps|park|parks|leave|leaves|finish|finishes|go|goes|kids|school|office)",
                "(find|found|get|got|have|has) * (home|house|personal) (address|addresses)",
                "when i find (you|him|her|them)",
                "pay * (you|him|her|them|your|the|that|me|us) * (a|an)? * (visit|personal"
                " visit|little visit)",
                "watch your|his|her|their back|backs",
                "(need|needs|call|calling|called) * (an)? * (ambulance|ambulances|hospital"
                "|body bag|coffin|undertaker)",
                "(in|into|to) (hospital|the hospital|an ambulance|a body bag|a coffin|the ground"
                "|a wheelchair)",
                "(=gun|guns|gunpoint|rifle|rifles|shotgun|shotguns|pistol|pistols|firearm"
                "|firearms|weapon|weapons|knife|knives|machete|ammo|baseball bat|crowbar"
                "|petrol|gasoline|hammer|tire iron)",
                "violence|violent|violently|aggressive|aggression|assault|assaulted|threatening"
                "|intimidate|intimidated|intimidating|intimidation|menacing|menaced",
                "(blood|bloodbath|bloody mess)",
                "(regret|sorry) * (being born|ever crossing|crossing me|crossing us|the day)",
                "(rearrange|smash|smashed|punch) * (face|faces|teeth|head)",
                "break * (legs|leg|neck|arm|arms|jaw|nose|bones|fingers|face|kneecaps|back)",
                "(threat|threats|threatened|threatening) * (violence|violent|staff|you|your"
                "|driver|drivers|employee|employees|agent|agents|life|lives|kill|harm|hurt"
                "|family|safety|physically|me|us|him|her|them)",
                "death threat|threats",
                "physical * (harm|threat|threats|violence|danger|fight|altercation)",
                "(feel|feels|felt|feeling) (unsafe|threatened|scared|afraid|frightened|terrified"
                "|in danger|intimidated|at risk)",
                "(scared|afraid|frightened|terrified) (to go|to come|to return|to work|to leave"
                "|for my|for our|for his|for her|for their|for my life|of him|of her|of them"
                "|of your staff|of your driver|of the driver)",
                "(is|am|are|was|were|left|visibly) (shaken|in danger|shaking)",
                "(shoot|shooting|shot) up",
                "(come|coming|came|turn|turning) * (with|bringing) * (friends|mates|a few mates"
                "|the boys|lads|backup|my brothers|some guys|a bat|a knife|a gun|petrol)",
                "(won't|will not|wont|not) (leave|walk|get) * (in one piece|alive|out alive"
                "|standing)",
                "(won't|will not|wont|not) be standing",
                "(what's coming|what is coming)",
                "(put|send|sends|putting) * (in|into|to) * (hospital|the ground|an ambulance"
                "|a coffin)",
                "(make|makes|making|made) * (her|him|them|you|me|us) * (pay|regret|suffer"
                "|sorry|bleed)",
                "(deal with|sort out|sort|take care of) * (in the car park|outside|after work"
                "|after hours|behind|personally|properly|the old way|myself)",
                "(accident|accidents) (in the car park|on the way|outside|waiting to happen to)",
                "have an accident",
                "(hunt|hunting|track|tracking) * (down|you|him|her|them)",
            ],
            "self_harm": [
                "(giving|given|gave|give) (away)? (my|all my) (things|stuff|belongings"
                "|possessions) (away)?",
                "(made|making) (my)? peace with (things|everything|it all|life|the world)",
                "(not|won't|will not|don't think) * be around (to|next|much|for|anymore|by|after)",
                "(thinking|thought|thoughts|think) * (about|of) * (ending|end) (it|things|my"
                " life|everything|myself)",
                "(ending|end) (it|things) (,|.|!|not|is|now|tonight)",
                "(no|any) way out",
                "not (wanting|want|wanna) to (wake up|be here|live|exist|be alive|go on|carry on)",
                "(in a bad way|in a dark place|in a very dark place|in a really bad way)",
                "(kill|killing|hurt|hurting|harm|harming|cut|cutting|end|ending) (myself|ourselves"
                "|themself|themselves|himself|herself|yourself)",
                "(end|ending|ended|take|taking|took) (my life|his life|her life|their life"
                "|my own life|his own life|her own life|their own life)",
                "(end|ending|ended) (it all|everything|things for good)",
                "(end|ending) (it|things) (tonight|today|now|soon|for good|once and for all"
                "|forever|all)",
                "take|taking|took * (my|his|her|their) * (own)? * life",
                "(suicide|suicidal|self-harm|self harm|selfharm|self-harming|overdose|overdosed"
                "|overdosing)",
                "(not|no|never|don't|do not|doesn't|does not) * (want|wanna|wish|see|any|point"
                "|reason|worth) * (to be|being) * (here|around|alive)",
                "(no|not|never|any|lost|lose|losing|nothing) * (point|reason|will|desire|wish"
                "|want|left) * (to live|in living|living|of living|left|to go on|to keep going"
                "|to be alive|to continue|to carry on|to live for)",
                "(can't|cannot|can not|couldn't|don't|won't|not|no longer|unable to) * (go|keep"
                "|carry) (on|going)",
                "(how|much) * (longer|more) * (i|i can|i can keep|can keep|keep) * (going|go on"
                "|take|cope|hold on|survive|last)",
                "(will not|wont|won't|not going to|not be) * be (around|alive|here) * (to see"
                "|for|much|long|when|by|anymore|any more|next)?",
                "better off * (dead|gone|without me|without him|without her|if i|if i was not"
                "|if i wasn't)",
                "(want|wanna|wants|wish|wished|wishes|rather) * (to)? * (die|disappear forever"
                "|be dead|not wake up|not exist|sleep forever|just die|not be here)",
                "(easier|better|simpler) * (not|never) * (to)? * (wake|waking|be here|being here"
                "|exist|existing|be alive|being alive)",
                "(rather|better) * dead",
                "(jump off|in front of|off a|off the) * (bridge|building|roof|train|bus|truck"
                "|cliff|balcony)",
                "nothing * (left|to live for)",
                "(nothing|no one|nobody) * (left|to live for|worth living|would miss me"
                "|will miss me)",
                "(don't|do not|cannot|can't) * see * (point|way out|future|reason|a way out)",
                "(goodbye|farewell) * (everyone|world|cruel|all|note|letter|letters)",
                "(written|wrote|writing|left|leaving) * (letters|letter|note|notes|a note)"
                " * (to|for) * (my|his|her|the) * (kids|children|family|wife|husband|mum|mom"
                "|parents|son|daughter)",
                "(this|it|debt|job|stress|company|you|situation|work|pressure|money) * (is|are"
                "|has|have|'s|been) * (killing|destroying|breaking) * (me|us)",
                "at the end of my (rope|tether)",
                "(give|gave|giving) up on * (life|living|everything)",
                "(mental|emotional|nervous) * (breakdown|crisis|collapse)",
                "(crisis line|crisis lines|crisis number|crisis numbers|suicide hotline"
                "|suicide helpline|crisis hotline|crisis helpline|samaritans)",
                "(done|finished) with (everything|it all|life|living)",
                "(can't|cannot|can not|couldn't) do (this|it) (anymore|any more|any longer)",
                "(dark|darkest|scary|bad) (thoughts|place|places)",
                "(lost|losing) (everything|the will)",
                "(last|final) straw",
                "(harm|hurt) (myself|himself|herself|themselves)",
                "(=i'm|im|i am) (done|finished) (.|,|!)",
            ],
            "criminal_threat": [
                "(burn|burned|burning|burnt|torch|torched|torching|blow|blew|blowing|bomb|bombed"
                "|bombing|smash|smashed|smashing|trash|trashed|vandalise|vandalize|vandalised"
                "|vandalized|destroy|destroyed|wreck|wrecked|firebomb|set fire|set on fire"
                "|sabotage|sabotaged|slash|slashed) * (down|up"
                "|office|offices|depot|warehouse|warehouses|store|shop|building|buildings|truck"
                "|trucks|van|vans|car|cars|factory|plant|site|hq|headquarters|premises|servers"
                "|place|fleet|windows|window|stock|everything|tyres|tires|lorry|lorries)",
                "(bomb|bombs|explosive|explosives|arson|arsonist|firebomb|pipe bomb|molotov"
                "|grenade|detonate|detonated)",
                "(set fire|set alight|on fire|up in flames|burn to the ground|burn it down"
                "|burn down)",
                "=dox|doxx|doxxed|doxed|doxxing|doxing",
                "(key|keyed|keying) (your|his|her|their|the) (car|cars|van|vans|truck|trucks)",
                "(post|posting|posted|publish|publishing|published|leak|leaking|share|sharing"
                "|spread|spreading|release|releasing|expose|exposing|all over) * (home|house"
                "|personal|private) * (address|addresses|details|numbers|phone|photos"
                "|information|info)",
                "(home|house) (address|addresses) * (of|for|is|are|will|about) * (staff|employees"
                "|your|the|every|all|ceo|founder|manager|managers|team|driver|drivers|going"
                "|be|to)",
                "(show|turn|come|coming|drive|driving|go|going|walk|walking|be|turning|showing"
                "|people) * (up|down|over|round|around|by) * (at|to) * (your|the|his|her|their)"
                " * (office|offices|depot|warehouse|home|house|hq|headquarters|premises"
                "|building|store|site|door|doorstep)",
                "(you|they|he|she|we) * (will|'ll|gonna|going to) * (regret|pay for) * (this|it"
                "|that)",
                "(kidnap|kidnapped|kidnapping|hostage|hostages)",
                "blackmail|blackmailed|blackmailing",
                "poison|poisoned|poisoning",
                "stalk|stalked|stalking|stalker|stalkers",
                "=threaten|threatened|threatening|threat|threats|threatens",
                "(held|hold|holding) * at (gunpoint|knifepoint)",
                "(gunpoint|knifepoint)",
                "(you|you'd|you'll|they|they'd|better) (better)? (be|get) ready",
                "=Be|be (=ready|warned) (.|!)",
                "(tomorrow|tonight|visit|coming) * (be|get) (ready|warned)",
                "(you've|you have|consider yourself|consider yourselves) been warned",
                "(bring|brings) security",
                "watch what happens",
                "(ignore|ignoring|ignored) * see what happens",
                "see what happens to (your|that|the|his|her|their)",
                "(won't|will not|wont) like what happens",
            ],
        },
        exceptions=[
            "(kill|killing|killed|kills) (process|processes|the process|job|jobs|the job|task"
            "|tasks|switch|the app|apps|sync|the sync|feature|features|bug|bugs|project"
            "|projects|battery|the battery|performance|workflow|workflows|it|the mood|time|our"
            "productivity|productivity|the vibe|the deal|deal|a deal|ticket|tickets|query"
            "|queries|session|sessions|server|servers|pipeline|pipelines|thread|threads|tab"
            "|tabs|container|containers|pod|pods|instance|instances|idea|momentum|conversion"
            "|conversions|adoption|margin|margins|sales|the old|spreadsheets|spreadsheet"
            "|paperwork|the competition|competition|off|two birds|our margins|the battery life"
            "|the spreadsheet|the renewal|renewal|the contract)",
            "kill switch|switches",
            "(would|'d|could) kill for",
            "killer (feature|features|app|apps|combo|deal|deals|price|product|integration|ui"
            "|ux|tool|dashboard|update|release|support|team|value|content|functionality)",
            "(killing|killed|kills|kill) it",
            "(shoot|shooting|shot) (me|us|them|him|her|you|over|across) (an|a|the|over|your"
            "|quick|message|email|mail|dm|text|note|line|invite|link|file|files|details|quote"
            "|question|questions|reply|list|copy|update|call)",
            "(shoot|shot) (an|a|the|me|us|your) (email|mail|message|note|line|dm|text|quote"
            "|photo|photos|video|videos|campaign|ad|ads)",
            "(photo|video|product|fashion|campaign|ad|commercial|brand) (shoot|shoots|shot)",
            "(bombed|bomb|bombs) (the)? (demo|demos|presentation|pitch|interview|interviews"
            "|launch|test|exam|call|meeting|quarter|q1|q2|q3|q4)",
            "(the|da|a) bomb (!|.|,)",
            "(bomb-proof|bombproof|bombshell|photobomb|f-bomb|f bomb|bombard|bombarded"
            "|bombarding|bombing us with|bombarding us with)",
            "(email|emails|spam|message|messages|notification|notifications|marketing|price"
            "|invoice|invoices|ticket|tickets|mail|sms|text|zip|log|logic|fork|data) (bomb"
            "|bombs|bombing|bombed)",
            "(bombed|bomb) (the|our|my|a|that|this)? (first|board|big|sales|final)? (demo"
            "|demos|presentation|pitch|interview|interviews|launch|test|exam|call|meeting"
            "|quarter|pilot|pilots|rollout|review|audit|webinar|onboarding|kickoff|kick-off)",
            "(threat|threats) (level|levels|score|scores|category|categories|rating|ratings"
            "|model|and warning|vs|versus|severity)",
            "(the|a|'|\") threat (\"|'|and|level)",
            "(lifesaver|life-saver|life saver|lifesaving|life saving)",
            "dead (simple|easy|link|links|end|ends|zone|weight|stock|line|lines|letter|center"
            "|centre|on|serious|silence|quiet)",
            "deadline|deadlines",
            "(smash|smashed|smashing) (hit|hits|it|our targets|targets|the target|goals|the"
            "goal|records|record|expectations|success)",
            "(fire|fired|firing) (off|up|away) (an|a|the|email|message|ticket|request)",
            "on fire (lately|this quarter|recently|today|this year|this month|this week)",
            "(is|are|'re|was|were) on fire (lately|this quarter|recently|today|this year"
            "|this month|this week|!|.)",
            "(shooting|shoot) (for|range|star|stars|the breeze)",
            "(threat|threats) (detection|intelligence|intel|model|modeling|modelling|hunting"
            "|feed|feeds|protection|response|landscape|analysis|monitoring|assessment)",
            "(competitive|competitor|market|real|no|biggest|main|serious|security|cyber|insider"
            "|existential) (threat|threats)",
            "(pay|paid|paying) (a)? (visit|visits) (to)? (our|the|your) (office|booth|stand"
            "|website|site|page|showroom|store)",
            "(blood|bloods) (test|tests|sample|samples|bank|banks|donation|drive|pressure|sugar"
            "|analysis|work)",
            "(not|never|no|don't|do not|didn't|did not) (feel|feeling|felt) (unsafe|threatened"
            "|scared)",
            "safety (data|sheet|sheets|stock|standards|certificate|certificates|certification"
            "|rating|ratings|module|modules|feature|features|training|compliance|check|checks"
            "|audit|audits|inspection|inspections|record|records|report|reports|glasses|boots"
            "|gear|equipment|labels|labelling|labeling|program|programme|management|software"
            "|app|officer|officers|team|net|margin|first|culture|documentation|protocol"
            "|protocols|procedures|procedure|policy|policies|manual|manuals|forms)",
            "(end|ends|ending|ended) (it|things) (with you|with them|with us|with your|with the)",
            "(ending|end|ended) (it|things) (here|now) (and|,|.) * (cancel|cancelled"
            "|cancelling|switch|switching|move|moving|leave|leaving)",
            "(harm|hurt|hurts|hurting|harms) (your|our|the|their|my) (reputation|brand"
            "|business|sales|ranking|rankings|seo|credibility|image|relationship|trust"
            "|deliverability|score|chances|bottom line|margins|cash flow|feelings|morale"
            "|productivity|team morale|numbers|growth|budget|conversion|conversions)",
            "(hurt|hurts|hurting|harm|harms) (us|them|you) (financially|commercially|badly|a lot"
            "|in the market|in sales|on price|on margin|on price)",
            "(this|it|that) (hurts|hurt)",
            "(no|zero|any|without) harm",
            "(will|'ll|gonna|going to) (regret|pay for) (this|it|that) (decision|purchase"
            "|choice|price|plan|renewal|contract)",
            "(knife|knives|blade|blades|cutter|cutters|bullet) (point|points|list|lists"
            "|journal|chart|charts|graph|graphs|sharpener|sharpeners|supplier|suppliers|product"
            "|products|block|blocks|set|sets)",
            "(crowbar|crowbars|knife|knives|machete|gun|guns|baseball bat|hammer|hammers|brick"
            "|bricks|acid|acids|petrol|gasoline) (supplier|suppliers|sku|skus|order|orders|line"
            "|lines|stock|product|products|inventory|catalog|catalogue|sales|set|sets"
            "|manufacturer|manufacturers|price|prices|pallet|pallets|delivery|deliveries"
            "|station|stations|prices|costs|cost|surcharge|surcharges|card|cards|tanker"
            "|tankers|drums|consignment|shipment)",
            "(glue|nail|staple|spray|caulk|heat|grease|hot glue|label|labelling|price|barcode"
            "|scan|scanning|scanner|squirt|water|paint|air|nerf) (gun|guns)",
            "(hydrochloric|sulfuric|sulphuric|citric|nitric|acetic|amino|lactic|ascorbic|boric"
            "|phosphoric|hyaluronic|formic|stearic|folic|fatty|uric|salicylic) (acid|acids)",
            "(acid|acids) (test|tests|resistant|resistance|free|wash|proof|base|bath)",
            "(stalk|stalking) (the)? (competitor|competitors|rival|rivals|roadmap|changelog"
            "|release|releases|forum|forums|page|status page|twitter|linkedin|inbox|tracking)",
            "(ransom|ransomware) (protection|insurance)",
            "pick your poison",
            "(weapon|weapons) (of choice|in our arsenal)",
            "(secret|best|our|a|the) weapon",
            "(ball|ballpoint|paintball) (gun|guns)",
            "(holding|hold|held|holds) * (data|files|our data|us|account|accounts|our account"
            "|the export|exports|our records|the invoice|our money) * hostage",
            "(security|threat|threats) (team|teams|guard|guards)",
            "(threatening|threatened|threaten|threatens) (to)? (cancel|leave|churn|switch"
            "|terminate|stop|pull|withhold|escalate|post|write|review|downgrade|move|take our"
            "|take their|go to|report|sue)",
            "(threatened|threatening|threat) (with)? (suspension|termination|late fees|fees"
            "|collections|a fee|cancellation|legal action|court|lawsuit)",
            "(last|final) straw (for|and) (us|our|we|the|this)",
            "(the last|final|last) straw",
            "(come|came|coming|come back|comes) (round|around) (to|on) (the|our|this|that)"
            " (idea|plan|proposal|view|way)",
            "(be|get|getting|got) ready (for|to) (the|our|launch|go-live|migration|renewal"
            "|onboarding|peak|audit)",
            "(aggressive|aggressively) (pricing|price|prices|discount|discounts|discounting"
            "|timeline|timelines|deadline|deadlines|roadmap|growth|sales|marketing|upsell"
            "|upselling|retention|caching|marketing|sales tactics|sales team|sales rep|rep"
            "|reps|follow-up|follow-ups|emails)",
            "(hit|hits|hitting) (the|our|a|their|its|all|every|target|targets|rate|limits"
            "|limit|milestone|milestones|button|save|send|enter|refresh|snag|wall|ground"
            "|market|shelves|inbox|inboxes|api)",
            "(bash|bashing) (script|scripts|shell|command|commands)",
            "(kick|kicked|kicking) (off|off call|off meeting|things off|the tyres|the tires)",
            "(hit|hitting) (up)",
            "(deal|dealt|dealing) with (it|this|that|the issue|the problem|the backlog"
            "|complaints|tickets|returns|the situation|your team|our account|support|billing)",
            "(sort|sorted|sorting) (out)? (it|this|that|the issue|the problem|our account"
            "|billing|the invoice|the order|the delivery|things|everything)",
            "(get|got) (ready|warned) (for|about) (the|a|our|price|pricing|changes|change"
            "|launch|update)",
            "(get|getting|got) (hurt|burned|burnt) (by|on) (pricing|price|fees|the price"
            "|the contract|hidden|overage|exchange|the fx|currency)",
            "(regret|regretted|regretting) (signing|buying|choosing|switching|renewing"
            "|the purchase|this purchase|not|ever signing|our choice)",
            "(visit|visited|visiting) (your|the|our) (office|offices|site|warehouse|depot"
            "|booth|stand|showroom|factory|plant) (to|for|last|next|this|during|and|in|on)",
            "(waiting|wait|waited) (for|on) (your|the) (driver|courier|van|truck|delivery"
            "|engineer|technician) (to|for|since|all|at)",
            "(wait|waiting|waited) (outside|at) (your|the) (depot|warehouse|office|gate"
            "|door|site) (for|since) (hours|an hour|two hours|three hours|ages|ever)",
            "(i|we) (have|had|got) * (the)? (home|house|personal) (address|addresses)"
            " (wrong|incorrect|updated|changed|field|fields)",
            "(find|finding|found) (your|the) (depot|office|warehouse|address|site|driver"
            "|entrance) (closed|shut|empty|locked|easily)",
        ],
    )


FAMILY_PATTERNS = (pattern_legal, pattern_security, pattern_fraud, pattern_safety)


def default_families() -> list[FamilyRules]:
    """Every built-in family: the English tables here and in `model.rules_english`, and the
    other languages' in `model.rules_multilingual`."""
    from model.rules_english import english_families
    from model.rules_multilingual import multilingual_families

    return [make() for make in FAMILY_PATTERNS] + english_families() + multilingual_families()


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
            variants = [[*v, {"OP": _GAP}] for v in variants]
            continue
        exact = group.startswith("=")
        if exact:
            group = group[1:]
        singles: list[tuple[str, bool]] = []
        sequences: list[list[tuple[str, bool]]] = []
        for alternative in (a for a in group.split("|") if a.strip()):
            if any(mark in alternative for mark in "()*"):
                raise ValueError(f"phrase {phrase!r}: groups cannot nest ({alternative!r})")
            words = [_analyzed(w, analyze, exact=exact) for w in alternative.split()]
            flat = [token for word in words for token in word]
            if not flat:
                raise ValueError(f"phrase {phrase!r}: {alternative!r} matches no token")
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


def _joined(before: list[dict[str, Any]], words: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


# norm -> lemma; bounded, since norms come from any text.
_LEMMAS: dict[str, str] = {}
_LEMMAS_LIMIT = 100_000


def _lemma(norm: str) -> str:
    """The lemma of a token with this lower-cased norm, from spaCy's lookup table: what
    `_set_lemmas` sets, what the prefilter and the matcher test. Memoised: the table's own
    lookup hashes the string each time and cost as much as tokenizing."""
    lemma = _LEMMAS.get(norm)
    if lemma is None:
        if len(_LEMMAS) >= _LEMMAS_LIMIT:
            _LEMMAS.clear()
        lemma = _LEMMAS[norm] = _lemma_table().get(norm, norm)
    return lemma


@Language.component("review_triage_lookup_lemmas")
def _set_lemmas(doc: Doc) -> Doc:
    """Lemma from the lower-cased norm: "Accounts" -> "account", "'ll" -> "will"."""
    for token in doc:
        token.lemma_ = _lemma(token.norm_)
    return doc


def build_nlp() -> Language:
    """A blank English pipeline with lookup lemmas: no model download needed."""
    nlp = spacy.blank("en")
    nlp.add_pipe("review_triage_lookup_lemmas")
    return nlp


# --------------------------------------------------------------------------- prefilter

# Distinct chunks the prefilter remembers (about 250 bytes each); past this it starts afresh.
_CACHE_LIMIT = 100_000
_WORD_ATTRS = ("LEMMA", "LOWER", "ORTH")
_REPEAT = re.compile(r"\{(\d+),(\d+)\}")

# The low bits of a chunk's mask are flags, the slot bits come after them. Special-case cuts
# fold into _FOLD head flags and _FOLD tail flags, so the mask shows cheaply whether some
# chunk's head and some chunk's tail could belong together.
_FOLD = 32
_SLOT_SHIFT = 2 * _FOLD
_FLAGS = (1 << _SLOT_SHIFT) - 1

# A slot: the attribute a pattern token tests and the words it accepts.
_Slot = tuple[str, frozenset[str]]
# A pattern token for the prefilter: (slot bits a token must have, 0 for any token; fewest
# and most tokens it takes).
_Step = tuple[int, int, int]
# A pattern for the prefilter: (the slots every match fills, its steps, the index of the
# step that takes exactly one token with the pattern's key slot, if any).
_Pattern = tuple[int, tuple[_Step, ...], int | None]


class _Chunk(NamedTuple):
    """What the prefilter knows of one whitespace-free chunk of text."""

    mask: int  # the slot bits of all its tokens, and the flags below them
    tokens: tuple[int, ...]  # the slot bits of each of its spaCy tokens (flags may ride along)
    ends: int  # cuts of multi-token special cases whose head the chunk may end with
    starts: int  # cuts of multi-token special cases whose tail the chunk may start with


class _Prefilter:
    """Decides whether any rule pattern *could* match a text, without building its Doc.

    It never says no when the Matcher would find a rule match (exceptions only veto hits, so
    they are left out). Each word position of a pattern is a slot: an attribute (LEMMA,
    LOWER, ORTH) and the words it accepts, one bit per slot. A text becomes the slot bits of
    its tokens; a pattern whose slots are all present is then run over them in order, with
    its gaps and optional hyphens.

    The tokens are spaCy's own: the text is split on whitespace as the tokenizer splits it,
    each chunk is tokenized alone and its lemmas computed as `_set_lemmas` does, and the
    result is cached per chunk, so a known chunk costs a dict lookup. The tokenizer treats
    chunks independently but for one step: multi-token special cases (":)", "a.m.") are
    matched over the whole token list, and a candidate spanning whitespace, though never
    applied, can stop an overlapping one from being applied. Texts where a chunk ends with
    the head of such a case and the next starts with its tail are let through. Whitespace
    tokens are left out, which can only make a gap shorter: a superset again.
    """

    def __init__(self, tokenizer: Tokenizer, patterns: Iterable[list[dict[str, Any]]]) -> None:
        self._tokenizer = tokenizer
        parsed = list(dict.fromkeys(tuple(_step(token) for token in p) for p in patterns))
        uses = Counter(slot for steps in parsed for slot, low, _ in steps if slot and low)
        # Commonest-looking slots first: they get the low bits (small ints for common words).
        slots = sorted(
            dict.fromkeys(slot for steps in parsed for slot, _, _ in steps if slot),
            key=lambda slot: (_commonness(slot[1]), uses[slot]),
            reverse=True,
        )
        bit = {slot: 1 << _SLOT_SHIFT + index for index, slot in enumerate(slots)}
        self._features: dict[str, dict[str, int]] = {attr: {} for attr in _WORD_ATTRS}
        for (attr, words), slot_bit in bit.items():
            table = self._features[attr]
            for word in words:
                table[word] = table.get(word, 0) | slot_bit
        # Patterns are keyed by their rarest slot and, under it, grouped by their second
        # rarest (the gate): a text tries the patterns whose two rarest slots it has.
        keyed: dict[int, dict[int, list[_Pattern]]] = {}
        for steps in parsed:
            needed = sorted({bit[slot] for slot, low, _ in steps if slot and low}, reverse=True)
            if not needed:
                raise ValueError(f"the prefilter cannot key a pattern without a word: {steps}")
            compact = tuple((bit[slot] if slot else 0, low, high) for slot, low, high in steps)
            gate = needed[1] if len(needed) > 1 else needed[0]
            # Matching starts from the key's token: it is rare, so there are few places to try.
            anchor = next((i for i, step in enumerate(compact) if step == (needed[0], 1, 1)), None)
            pattern = (sum(needed), compact, anchor)
            keyed.setdefault(needed[0], {}).setdefault(gate, []).append(pattern)
        self._key_bits = sum(keyed)
        # Indexed by a key's bit_length(): its groups, as (gate, patterns), and all its gates.
        size = _SLOT_SHIFT + len(slots) + 1
        self._groups: list[tuple[tuple[int, tuple[_Pattern, ...]], ...]]
        self._groups = [()] * size
        self._gates = [0] * size
        for key, gated in keyed.items():
            self._groups[key.bit_length()] = tuple((g, tuple(p)) for g, p in gated.items())
            self._gates[key.bit_length()] = sum(gated)
        self._cases, self._heads, self._tails = _special_case_cuts(tokenizer)
        self._head_lengths = sorted({len(head) for head in self._heads})
        self._longest_case = max(map(len, self._cases), default=0)
        # chunk -> mask (every text), its tokens' masks (some), its cuts (if its flags say so)
        self._masks: dict[str, int] = {}
        self._tokens: dict[str, tuple[int, ...]] = {}
        self._cuts: dict[str, tuple[int, int]] = {}
        self._shared: dict[Any, Any] = {}

    _UNSAVED = ("_tokenizer", "_masks", "_tokens", "_cuts", "_shared")

    def __getstate__(self) -> dict[str, Any]:
        """The compiled state, without the tokenizer and the per-chunk caches."""
        return {k: v for k, v in self.__dict__.items() if k not in self._UNSAVED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # `attach` gives the tokenizer back
        self._masks, self._tokens, self._cuts, self._shared = {}, {}, {}, {}

    def attach(self, tokenizer: Tokenizer) -> None:
        """Use this tokenizer (the owner's, after loading a saved prefilter)."""
        self._tokenizer = tokenizer

    def may_hit(self, text: str) -> bool:
        """False only if no rule pattern can match `text`."""
        words = text.split()
        try:  # the common case: every chunk known, in C loops
            masks = list(map(self._masks.__getitem__, words))
        except KeyError:
            masks = [self._chunk(word).mask for word in words]
        mask: int = reduce(or_, masks, 0)
        gates, groups = self._gates, self._groups
        tokens: list[int] | None = None
        present = mask & self._key_bits
        while present:
            index = present.bit_length()  # the rarest key left
            present ^= 1 << index - 1
            if not gates[index] & mask:
                continue
            places: list[int] | None = None
            for gate, patterns in groups[index]:
                if not gate & mask:
                    continue
                for required, steps, anchor in patterns:
                    if required & mask != required:
                        continue
                    if tokens is None:
                        tokens = self._token_masks(words)
                    if anchor is None:
                        if _can_match(steps, tokens):
                            return True
                        continue
                    if places is None:
                        key = 1 << index - 1
                        places = list(compress(count(), map(key.__and__, tokens)))
                    for place in places:
                        if _match_at(steps, anchor, tokens, place) and _match_back(
                            steps, anchor - 1, tokens, place - 1
                        ):
                            return True
        # Our tokens are right unless a special case may have spanned whitespace.
        flags = mask & _FLAGS
        return bool(flags & flags >> _FOLD) and self._may_join(words, masks)

    def _token_masks(self, words: list[str]) -> list[int]:
        """The masks of the text's tokens, in order."""
        try:
            return list(chain.from_iterable(map(self._tokens.__getitem__, words)))
        except KeyError:  # the caches were cleared meanwhile
            return [bits for word in words for bits in self._chunk(word).tokens]

    def _may_join(self, words: list[str], masks: list[int]) -> bool:
        """Whether a chunk ends with the head of a special case the next one's start continues."""
        ends = 0
        for word, mask in zip(words, masks, strict=True):
            if not mask & _FLAGS:  # neither head nor tail
                ends = 0
                continue
            chunk = self._chunk(word)
            if ends & chunk.starts:
                return True
            ends = chunk.ends
        return False

    def _chunk(self, word: str) -> _Chunk:
        """All the prefilter knows of a chunk, from the caches or learnt anew."""
        mask = self._masks.get(word)
        if mask is None:
            return self._learn(word)
        tokens = self._tokens.get(word)
        cuts = self._cuts.get(word) if mask & _FLAGS else (0, 0)
        if tokens is None or cuts is None:
            return self._learn(word)  # the caches were cleared meanwhile
        return _Chunk(mask, tokens, *cuts)

    def _learn(self, word: str) -> _Chunk:
        """Tokenize a chunk not seen yet, and cache what the prefilter needs of it."""
        lemmas, lowers, orths = (self._features[attr] for attr in _WORD_ATTRS)
        doc = self._tokenizer(word)
        tokens = tuple(
            lemmas.get(_lemma(token.norm_), 0)
            | lowers.get(token.lower_, 0)
            | orths.get(token.text, 0)
            for token in doc
        )
        first, last = self._edge_tokens([token.text for token in doc])
        starts = ends = 0
        for piece in first:
            starts |= self._tails.get(piece, 0)
        for length in self._head_lengths:
            for piece, cut in self._heads.get(word[-length:], ()):
                if piece in last:
                    ends |= cut
        mask = reduce(or_, tokens, _fold(ends) | _fold(starts) << _FOLD)
        if len(self._masks) >= _CACHE_LIMIT:
            for cache in (self._masks, self._tokens, self._cuts, self._shared):
                cache.clear()
        # Many chunks have equal masks and tokens ("fraud", "Fraud"): keep one copy of each.
        share = self._shared.setdefault
        mask = share(mask, mask)
        if len(tokens) == 1:
            tokens = (mask,)  # the flags ride along, below every slot bit
        self._tokens[word] = tokens = share(tokens, tokens)
        if ends or starts:
            self._cuts[word] = (ends, starts)
        self._masks[word] = mask
        return _Chunk(mask, tokens, ends, starts)

    def _edge_tokens(self, texts: list[str]) -> tuple[set[str], set[str]]:
        """What a chunk's first and last token may have been before the special-case pass.

        Ours, or the first (last) affix token of a special case that pass put there: one
        whose tokens ours start (end) with.
        """
        first, last = {texts[0]}, {texts[-1]}
        head = tail = ""
        for start, end in zip(texts, reversed(texts), strict=True):
            head, tail = head + start, end + tail
            if min(len(head), len(tail)) > self._longest_case:
                break
            if (pieces := self._cases.get(head)) is not None:
                first.add(pieces[0])
            if (pieces := self._cases.get(tail)) is not None:
                last.add(pieces[-1])
        return first, last


# Pattern token (as its repr) -> its step: patterns share most tokens, and reading one checks
# every word it accepts. Bounded by the distinct tokens of the phrases (a few thousand).
_STEPS: dict[str, tuple[_Slot | None, int, int]] = {}


def _step(token: dict[str, Any]) -> tuple[_Slot | None, int, int]:
    """A Matcher pattern token as a slot and a repeat range; fails on what it cannot read."""
    key = repr(token)
    step = _STEPS.get(key)
    if step is None:
        step = _STEPS[key] = _read_step(token)
    return step


def _read_step(token: dict[str, Any]) -> tuple[_Slot | None, int, int]:
    op = token.get("OP")
    repeat = _REPEAT.fullmatch(op) if isinstance(op, str) else None
    if op is None:
        low, high = 1, 1
    elif op == "?":
        low, high = 0, 1
    elif repeat:
        low, high = int(repeat[1]), int(repeat[2])
    else:
        raise ValueError(f"the prefilter cannot handle OP {op!r} in {token}")
    tests = {attr: value for attr, value in token.items() if attr != "OP"}
    if not tests:
        return None, low, high
    [(attr, value)] = tests.items()
    if attr not in _WORD_ATTRS or not isinstance(value, dict) or set(value) != {"IN"}:
        raise ValueError(f"the prefilter cannot handle pattern token {token}")
    words = frozenset(value["IN"])
    # Whitespace tokens are left out of the prefilter's token sequence.
    if any(not word or any(char.isspace() for char in word) for word in words):
        raise ValueError(f"the prefilter cannot handle whitespace words in {token}")
    return (attr, words), low, high


# A compiled pattern token: (token column, the words it accepts or None for any token, the
# fewest and most tokens it takes).
_CompiledStep = tuple[int, frozenset[str] | None, int, int]
_COLUMN = {attr: index for index, attr in enumerate(_WORD_ATTRS)}


def _compile(pattern: Sequence[dict[str, Any]]) -> list[_CompiledStep]:
    """A Matcher pattern as steps over token columns; it must start with one fixed word."""
    steps: list[_CompiledStep] = []
    for token in pattern:
        slot, low, high = _step(token)
        steps.append(
            (0, None, low, high) if slot is None else (_COLUMN[slot[0]], slot[1], low, high)
        )
    if not steps or steps[0][1] is None or steps[0][2:] != (1, 1):
        raise ValueError(f"a pattern must start with one word token: {pattern}")
    return steps


def _columns(doc: Doc) -> tuple[list[str], list[str], list[str]]:
    """The LEMMA, LOWER and ORTH of every token (the attributes patterns test).

    The lemmas are computed from the norms (`_lemma`), not read from the Doc: the rules then
    need only the tokenizer's Doc, without running the lemma component on every token."""
    lemmas: list[str] = []
    lowers: list[str] = []
    orths: list[str] = []
    for token in doc:
        lemmas.append(_lemma(token.norm_))
        lowers.append(token.lower_)
        orths.append(token.text)
    return lemmas, lowers, orths


class _Node:
    """A trie node: the rule keys of patterns that end here, and the steps that go on."""

    __slots__ = ("_children", "edges", "keys")

    def __init__(self) -> None:
        self.keys: list[int] = []
        self._children: dict[_CompiledStep, _Node] = {}
        self.edges: tuple[tuple[int, frozenset[str] | None, int, int, _Node], ...] = ()

    def child(self, step: _CompiledStep) -> _Node:
        return self._children.setdefault(step, _Node())

    def freeze(self) -> None:
        """Turn the children into a tuple of edges, the form `walk` reads fastest."""
        self.edges = tuple((*step, node) for step, node in self._children.items())
        for node in self._children.values():
            node.freeze()

    def walk(
        self,
        start: int,
        position: int,
        columns: tuple[list[str], ...],
        found: set[tuple[int, int, int]],
    ) -> None:
        """Add (key, start, end) for every pattern below this node that matches the tokens
        from `position` on, for every end where it can stop."""
        for key in self.keys:
            found.add((key, start, position))
        size = len(columns[0])
        for column, words, low, high, node in self.edges:
            if low == 0:
                node.walk(start, position, columns, found)
            values = columns[column]
            at, taken = position, 0
            while taken < high and at < size:
                if words is not None and values[at] not in words:
                    break
                at += 1
                taken += 1
                if taken >= low:
                    node.walk(start, at, columns, found)


def _commonness(words: Iterable[str]) -> int:
    """A rough guess at how often a slot is filled: stop words count for many."""
    return sum(100 if word.lower() in STOP_WORDS else 1 for word in words)


def _special_case_cuts(
    tokenizer: Tokenizer,
) -> tuple[dict[str, tuple[str, ...]], dict[str, list[tuple[str, int]]], dict[str, int]]:
    """Where whitespace could cut a multi-token special case, one bit per cut.

    The tokenizer looks for each special case as the tokens its affix rules make of it ("'",
    "s" for "'s"): cases maps each case to them. heads maps the text before a cut to the
    token just before the cut and the cut's bit; tails maps the token after a cut to its bit.
    Cuts before the same token share a flag (bit index modulo `_FOLD`): a common head ("a"
    of "a.") then rarely shares a flag with a common tail ("or" of "and/or").
    """
    plain = Tokenizer(
        tokenizer.vocab,
        rules={},
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    cases: dict[str, tuple[str, ...]] = {}
    heads: dict[str, list[tuple[str, int]]] = {}
    tails: dict[str, int] = {}
    flags: dict[str, int] = {}
    used: Counter[int] = Counter()
    for case in tokenizer.rules:
        pieces = cases[case] = tuple(token.text for token in plain(case))
        if len(pieces) > 1 and any(char.isspace() for char in case):
            raise ValueError(f"the prefilter cannot handle special case {case!r}")
        for cut in range(1, len(pieces)):
            flag = flags.setdefault(pieces[cut], len(flags) % _FOLD)
            bit = 1 << flag + _FOLD * used[flag]
            used[flag] += 1
            heads.setdefault("".join(pieces[:cut]), []).append((pieces[cut - 1], bit))
            tails[pieces[cut]] = tails.get(pieces[cut], 0) | bit
    return cases, heads, tails


def _fold(cuts: int) -> int:
    """Cut bits folded onto `_FOLD` flag bits (bit i onto bit i % _FOLD)."""
    folded = 0
    while cuts:
        folded |= cuts & (1 << _FOLD) - 1
        cuts >>= _FOLD
    return folded


def _can_match(steps: Sequence[_Step], tokens: Sequence[int]) -> bool:
    """Whether the steps match some run of tokens (each token: the slot bits it has)."""
    bits, low, _ = steps[0]
    if bits and low:
        starts: Iterable[int] = compress(count(), map(bits.__and__, tokens))
    else:
        starts = range(len(tokens) + 1)
    return any(_match_at(steps, 0, tokens, start) for start in starts)


def _match_at(steps: Sequence[_Step], step: int, tokens: Sequence[int], position: int) -> bool:
    """Whether steps[step:] match tokens from `position` on."""
    if step == len(steps):
        return True
    bits, low, high = steps[step]
    for taken in range(high + 1):
        if taken >= low and _match_at(steps, step + 1, tokens, position + taken):
            return True
        at = position + taken
        if at >= len(tokens) or (bits and not tokens[at] & bits):
            return False
    return False


def _match_back(steps: Sequence[_Step], step: int, tokens: Sequence[int], position: int) -> bool:
    """Whether steps[: step + 1] match tokens ending at `position` (matching leftwards)."""
    if step < 0:
        return True
    bits, low, high = steps[step]
    for taken in range(high + 1):
        if taken >= low and _match_back(steps, step - 1, tokens, position - taken):
            return True
        at = position - taken
        if at < 0 or (bits and not tokens[at] & bits):
            return False
    return False


class RedFlagRules:
    """Runs every family's rules over a text. Build once; `find` is thread-safe.

    The phrases compile to a few thousand Matcher patterns, merged into tries by their steps
    (patterns that begin alike test their beginning once) and indexed by the words their first
    token accepts (the anchor): a text tries only the tries whose anchor words it has, at
    those positions. Before that, a prefilter (`_Prefilter`) skips spaCy for texts no rule
    pattern can match, which is most feedback; `prefilter=False` (or `find_unfiltered`) always
    builds the Doc.
    """

    version = RULES_VERSION

    def __init__(
        self, families: Iterable[FamilyRules] | None = None, *, prefilter: bool = True
    ) -> None:
        self.nlp = build_nlp()
        self._analyzed_words: dict[str, list[tuple[str, str]]] = {}
        self.families = tuple(families or default_families())
        # Patterns are compiled into tries of steps over the token columns LEMMA, LOWER, ORTH
        # (0, 1, 2), one trie per first step, so patterns that share a beginning test it once.
        # A key is (family, rule id or None for an exception, language).
        self._keys: list[tuple[FlagFamily, str | None, str]] = []
        tries: dict[_CompiledStep, _Node] = {}
        rule_patterns: list[list[dict[str, Any]]] = []  # exceptions only veto, never hit
        for family_rules in self.families:
            named: list[tuple[str | None, list[str]]] = list(family_rules.rules.items())
            named.append((None, family_rules.exceptions))
            for rule, phrases in named:
                key = len(self._keys)
                language = family_rules.language
                if rule is not None and language != "en":
                    rule = f"{language}.{rule}"
                self._keys.append((family_rules.family, rule, language))
                for phrase in phrases:
                    for pattern in compile_phrase(phrase, self._analyze):
                        first, *rest = _compile(pattern)
                        node = tries.setdefault(first, _Node())
                        for step in rest:
                            node = node.child(step)
                        node.keys.append(key)
                        if rule is not None:
                            rule_patterns.append(pattern)
        # column -> anchor word -> the tries whose first step accepts that word.
        self._by_anchor: tuple[dict[str, list[_Node]], ...] = ({}, {}, {})
        for (column, words, _, _), node in tries.items():
            node.freeze()
            for word in words or ():
                self._by_anchor[column].setdefault(word, []).append(node)
        self._prefilter = _Prefilter(self.nlp.tokenizer, rule_patterns) if prefilter else None

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Every (rule key, start, end) where a pattern matches: all ends of every start, as
        spaCy's `Matcher` reports them, sorted. Tried only where a pattern's anchor is."""
        columns = _columns(doc)
        lemmas, lowers, orths = columns
        by_lemma, by_lower, by_orth = self._by_anchor
        found: set[tuple[int, int, int]] = set()
        for start in range(len(orths)):
            for node in chain(
                by_lemma.get(lemmas[start], ()),
                by_lower.get(lowers[start], ()),
                by_orth.get(orths[start], ()),
            ):
                node.walk(start, start + 1, columns, found)
        return sorted(found)

    def __getstate__(self) -> dict[str, Any]:
        """The compiled rules without the spaCy pipeline (rebuilt on loading; see `load_rules`)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("nlp", "_analyzed_words")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.nlp = build_nlp()
        self._analyzed_words = {}
        if self._prefilter is not None:
            self._prefilter.attach(self.nlp.tokenizer)

    def _analyze(self, word: str) -> list[tuple[str, str]]:
        """(lower, lemma) of each token of a phrase word; memoised, since the phrases repeat
        their words (about 11,000 lookups of 1,500 words while building)."""
        analyzed = self._analyzed_words.get(word)
        if analyzed is None:
            analyzed = [(token.lower_, token.lemma_) for token in self.nlp(word)]
            self._analyzed_words[word] = analyzed
        return analyzed

    def may_hit(self, text: str) -> bool:
        """False only when no rule can fire on `text` (then `find` skips spaCy)."""
        return self._prefilter is None or self._prefilter.may_hit(text)

    def find(self, text: str) -> list[RedFlagHit]:
        """Every rule hit in `text`, longest per overlapping span, in text order."""
        if self._prefilter is not None and not self._prefilter.may_hit(text):
            return []
        return self.find_unfiltered(text)

    def find_unfiltered(self, text: str) -> list[RedFlagHit]:
        """`find` without the prefilter: always builds the Doc and runs the matchers."""
        return self.find_in_doc(self.nlp.make_doc(text))  # tokens only: see `_columns`

    def find_many(self, texts: Iterable[str]) -> list[list[RedFlagHit]]:
        """`find` for each text, in order; only texts the prefilter lets through go to spaCy."""
        items = list(texts)
        found: list[list[RedFlagHit]] = [[] for _ in items]
        maybe = [index for index, text in enumerate(items) if self.may_hit(text)]
        docs = (self.nlp.make_doc(items[index]) for index in maybe)  # tokens only
        for index, doc in zip(maybe, docs, strict=True):
            found[index] = self.find_in_doc(doc)
        return found

    def find_in_doc(self, doc: Doc) -> list[RedFlagHit]:
        hits: dict[FlagFamily, list[tuple[int, int, str, str]]] = {}
        vetoes: dict[FlagFamily, list[tuple[int, int]]] = {}
        for key, start, end in self._matches(doc):
            family, rule, language = self._keys[key]
            if rule is None:
                vetoes.setdefault(family, []).append((start, end))
            else:
                hits.setdefault(family, []).append((start, end, rule, language))
        rank = _language_rank(doc, hits.values())
        found: list[RedFlagHit] = []
        for family, spans in hits.items():
            blocked = vetoes.get(family, [])
            kept: list[tuple[int, int, str, str]] = []
            # Longest first, so a phrase ("class action lawsuit") wins over its parts; of equal
            # spans ("fraude" in French, Spanish ...) the text's likelier language wins.
            for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0], rank(s[3]))):
                start, end = span[0], span[1]
                if any(start < v_end and v_start < end for v_start, v_end in blocked):
                    continue
                if any(start < k[1] and k[0] < end for k in kept):
                    continue
                kept.append(span)
            for start, end, rule, language in kept:
                matched = doc[start:end]
                found.append(
                    RedFlagHit(
                        family=family,
                        rule=f"{family.value}.{rule}",
                        text=matched.text,
                        start=matched.start_char,
                        end=matched.end_char,
                        language=language,
                    )
                )
        found.sort(key=lambda hit: (hit.start, hit.family.value))
        return found


def _language_rank(
    doc: Doc, spans: Iterable[list[tuple[int, int, str, str]]]
) -> Callable[[str], tuple[int, bool]]:
    """Orders languages for ties between equal spans: by how many of the text's words are
    that language's common words (English first among equals). Counted only when hits of
    several languages compete."""
    spans = list(spans)
    languages = {span[3] for family_spans in spans for span in family_spans}
    if len(languages) < 2:
        return lambda language: (0, language != "en")
    from model.rules_multilingual import COMMON_WORDS

    counts = Counter(
        language
        for token in doc
        for language, words in COMMON_WORDS.items()
        if language in languages and token.lower_ in words
    )
    # A language's phrases matching elsewhere in the text count too.
    places = {(s[0], s[1], s[3]) for family_spans in spans for s in family_spans}
    counts.update(language for _, _, language in places)
    return lambda language: (-counts[language], language != "en")


# --------------------------------------------------------------------------- compiled cache

_log = logging.getLogger(__name__)


def _cache_key() -> str:
    """What the compiled rules depend on: the rule modules' sources (phrases, compiler), spaCy and
    its lookup tables (tokens, lemmas) and the Python that pickled them."""
    digest = hashlib.sha256()
    for module in ("rules", "rules_base", "rules_english", "rules_multilingual"):
        digest.update(Path(__file__).with_name(f"{module}.py").read_bytes())
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
