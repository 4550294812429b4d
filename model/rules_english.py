"""English red-flag phrases added to the tables of `model.rules` for what real feedback says:
implicit security exposure, product injury and physical danger, accusations of breaking a law,
and accounts or charges the writer did not authorise. Same phrase language
(`model.rules.compile_phrase`); rules here add to their family, and exceptions veto overlapping
hits of the family from any table."""

from __future__ import annotations

from model.labels import FlagFamily
from model.rules_base import FamilyRules

_BODY = (
    "hand|hands|finger|fingers|thumb|arm|arms|leg|legs|foot|feet|face|mouth|tongue|lip|lips"
    "|eye|eyes|skin|wrist|knee|palm|toe|toes|chin|nose"
)
_LAWS = (
    "fcra|fdcpa|tila|respa|ecoa|fdcp|glba|hipaa|hippa|usc|u.s.c.|law|laws|act|regulation"
    "|regulations|statute|statutes|rights|civil rights|consumer rights|code|section|privacy"
    "|lending act|reporting act|collection practices act"
)
_MY_DATA = (
    "info|information|details|data|records|record|files|file|documents|document|name|address"
    "|addresses|number|numbers|ssn|social security number|account|accounts|orders|order"
    "|history|medical records|photos|profile|statements|invoices|card|card details|bank details"
)
_OTHERS = (
    "other|another|others|someone else's|somebody else's|strangers|stranger's|different|random"
    "|other people's|other customers'|other users'"
)


def english_families() -> list[FamilyRules]:
    return [_legal(), _security(), _fraud(), _safety()]


def _legal() -> FamilyRules:
    return FamilyRules(
        family=FlagFamily.LEGAL,
        rules={
            "broke_law": [
                f"(violation|violations|violate|violates|violated|violating|breaking|broke"
                f"|break|breaches|breached|contravene|contravenes|contravened) * (of)? (the)?"
                f" * ({_LAWS})",
                f"({_LAWS}) (violation|violations)",
                "(not|never|failed to|fail to|fails to) (complied|comply|complies) with",
                "(violated|violating|violate) (me|my|our)",
                "(my|our) (privacy|rights) (was|were|has been|have been|is being) violated",
                "(not|never|cannot|can't|can not|isn't|is not) * (legal|lawful)",
                "(unlawful|unlawfully|illegal|illegally|usurious|predatory lending)",
                "(investigate|investigated|shut down|penalize|penalized|penalise|fine|fined)"
                " (them|this company|the company|it|and shut down)",
                "=trai",
            ],
        },
        exceptions=[
            "(legal|lawful) (tender|age)",
            "(lip|law) (balm|school)",
        ],
    )


def _security() -> FamilyRules:
    return FamilyRules(
        family=FlagFamily.SECURITY,
        rules={
            "exposure": [
                f"(see|seeing|saw|seen|view|viewing|access|accessed|accessing|shows|showing"
                f"|showed|displayed|displays|displaying|visible|received|receiving|got|sent)"
                f" * ({_OTHERS}) * (customer|customers|people|person|user|users|patient"
                f"|patients|member|members|account|accounts)? * ({_MY_DATA})",
                f"(my|our|customers'|customer|users'|private|personal|sensitive|confidential)"
                f" * ({_MY_DATA}|documents|posts|photos|folder|folders|repo|repos) * (are|is"
                f"|was|were|became|become|been|now|made|set|went|being|got)? (public|publicly"
                f"|visible|exposed|accessible|available|viewable|searchable|shared|leaked"
                f"|published|posted) (to|for|on|online|by)? (anyone|everyone|strangers|the"
                f" public|others|other users|anybody|the internet|google|public|online|the"
                f" world)",
                "(set|marked|made|were|was|is|are) (to|as)? private * (public|visible|shared"
                "|searchable)",
                "(discussed|disclosed|disclose|discloses|shared|released|revealed|sold|gave"
                f" out|gave away|leaked|exposed|sent) (my|our|his|her|their|personal|private"
                f"|medical|financial|sensitive|customer|customers') * ({_MY_DATA}) * (with|to)"
                " (my|a|the|third|thousands|strangers|other|another|people|anyone|everyone"
                "|family|relatives|employer)",
                "(security|privacy) sensitive (information|info|data)",
                "(private|personal|sensitive) (information|info|data|details) * (tweet|tweeted"
                "|posted|public|publicly)",
            ],
            "takeover": [
                "(gained|gain|gaining|obtained|got unauthorized|got unauthorised|have"
                " unauthorized|had unauthorized) access (to|into) (my|our|his|her|the) * (account"
                "|accounts|information|info|banking|bank|card|email|data|records|profile|phone)",
                "(someone|somebody|they|he|she|hacker|hackers|stranger|strangers|unknown|person"
                "|people) * (got|get|getting|broke|break|breaking|logged|logging|signed|signing)"
                " (into|in to|onto) (my|our|his|her) * (account|accounts|email|profile|phone"
                "|banking)",
                "(they|someone|somebody|he|she|hacker|hackers|stranger) * (changed|change"
                "|changing|reset|resets|made|set) (my|the|their own|our)? (password|passwords"
                "|phone number|email address|email|pin|login) (on|in|for|of|to)? (my|our)?"
                " (account|accounts)?",
                "(unable|can't|cannot|can not) (to)? (get|log|sign) (into|in to|in) (my|our)"
                " own (account|accounts)",
                "(identity|information|info|details|data|credentials|card) (was|were|has been"
                "|have been|had been|got|is|are|been) (compromised|stolen|exposed|leaked|used)",
                "(wallet|purse|card|cards|phone|laptop|tablet|ipad|iphone|credentials|identity"
                "|debit card|credit card|xbox|bag|handbag|id|passport|keys) (was|were|got|has"
                " been|have been|had been|been)? (stolen|lost)",
                "(lost|stole|stolen|misplaced|left) (my|our|his|her) (phone|wallet|card|cards"
                "|purse|laptop|tablet|ipad|iphone|debit card|credit card|id|passport)",
                "(sim swap|sim swapped|sim-swapped|sim swapping|ported my number|port out"
                "|ported out)",
                "(asked|asking|ask|asks|wanted|requested) (for|me for)? (my|our)? (bank|banking"
                "|account|online)? (password|pin|login|credentials|security code|otp"
                "|verification code|one-time code)",
                "(using|used|with) my (information|info|identity|details|personal information"
                "|ssn|social security number|name and)",
            ],
        },
        exceptions=[
            "(i|we|i'm|we're|me|us) * still (have|has|had) access",
            "(kindle)? fire (hd|tv|tablet|stick|phone)",
            "(lost|forgot|forgotten|reset|resetting|change|changing|changed) (my)? password"
            " (and|so|but|,)? (i|how|please|can|could)",
            "(how|can i|how do i|how to|where do i|where can i) * (change|reset) (my|the)?"
            " (password|email|pin|phone number)",
        ],
    )


def _fraud() -> FamilyRules:
    items = (
        "inquiries|inquiry|inquires|inquries|inquire|enquiries|accounts|account|loans|loan"
        "|items|debts|debt|charges|charge|transactions|transaction|cards|card|purchases"
        "|purchase|orders|payments|withdrawals|application|applications"
    )
    return FamilyRules(
        family=FlagFamily.FRAUD,
        rules={
            "not_authorised": [
                f"({items}) * (i|we) (did not|didn't|didnt|did n't|never|do not|don't) (apply"
                f"|authorize|authorise|authorized|authorised|open|opened|take out|take|make"
                f"|made|incur|recognize|recognise|request|requested|sign up|agree)",
                f"(unauthorized|unauthorised|unknown|fraudulent|unrecognized|unrecognised"
                f"|unfamiliar) ({items})",
                "without (my|me|our|us|any) * (permission|consent|authorization|authorisation"
                "|confirming|confirmation|approval|knowledge|agreeing|agreement|authority)",
                "not (related|connected) to any (transactions|transaction|applications|account)",
                f"({items}) * (is|are|were|was) (not mine|not ours)",
                "(never had|never opened|never have had|don't have|do not have) (an|any)?"
                " (account|accounts|business|loan) with",
                "(card|account|identity|information|details) (on file)? (was|were|has been|got"
                "|been)? used (to|for|in) (purchase|buy|pay|make|order|open|apply|charges)",
                "(used|using|use) my (card|credit card|debit card|identity|account|bank account"
                "|details)",
                "(identity|information) (was|has been|had been|got) (compromised|stolen)",
                "(no|never gave|without) (written)? consent",
            ],
        },
        exceptions=["(i|we) refuse to", "(don't|do not) order (this|these|it|from|unless)"],
    )


def _safety() -> FamilyRules:
    devices = (
        "battery|batteries|charger|chargers|phone|device|bottle|can|jar|unit|cable|cord"
        "|plug|scanner|printer|microwave|heater|oven|stove|machine|laptop|kettle|toaster"
        "|appliance|product|lid|pan|blender|fryer|lamp|adapter|outlet|socket|console"
    )
    return FamilyRules(
        family=FlagFamily.SAFETY,
        rules={
            "injury": [
                f"(cut|cuts|burned|burnt|injured|injuring|hurt|scalded|sliced"
                f"|gashed|scratched|bruised|broke|broken|fractured|crushed|smashed|pinched"
                f"|trapped|chipped) * ({_BODY}|tooth|teeth)",
                "(needed|need|needs|required|got|get|getting|had) (stitches|surgery"
                "|medical treatment|medical attention|treatment)",
                "stitches|anaphylaxis|anaphylactic|electrocuted|electrocution",
                "(injury|injuries|injured|wounded|concussion|laceration|lacerations|bleeding"
                "|bled|blisters|blistered|seizure|seizures|asthma attack|asthma"
                " attacks|wheezing|choked|choking on|chipped tooth|broken tooth)",
                "(electric|electrical) (shock|shocks)",
                "(shocked|zapped) (me|him|her|us|my)",
                "(allergic|severe) (reaction|reactions)",
                "(food|salmonella|carbon monoxide) (poisoning|poisoned)",
                "poisoned|poisoning",
                "(made|make|makes|making|got|get|gets|getting|became|become|left|leaving|was"
                "|were|been|felt|feel|feeling|is|are) (me|my|us|him|her|them|our|so|very"
                "|really|violently|physically|extremely|terribly)? * (sick|ill|nauseous"
                "|vomiting|throw up|threw up|diarrhea|diarrhoea|poisoned)",
                "(dog|dogs|cat|cats|pet|pets|puppy|kitten|baby|toddler|son|daughter|child|kids"
                "|husband|wife) * (sick|ill|vomit|vomiting|vomited|vet|died|diarrhea|hospital"
                "|er|choked|rash|reaction)",
                "(went|go|going|taken|take|took|rushed|ended up|end up|trip|visit|admitted"
                "|drive|drove|needed|spent) (him|her|them|me|us)? (to|in|at|a night in)? (the)?"
                " (hospital|er|emergency room|urgent care|a&e|emergency vet|vet|poison control)",
            ],
            "danger": [
                f"({devices}) * (exploded|explode|explodes|exploding|caught fire|catch fire"
                f"|catches fire|burst into flames|melted|sparked|sparking|sparks|smoked|started"
                f" smoking|overheated|overheats|overheating|shocked|electrocuted)",
                "(caught fire|burst into flames|went up in flames|on fire|fire hazard"
                "|safety hazard|choking hazard|electrical fire|house fire|kitchen fire)",
                "(glass|metal|plastic|wire|wires|bone|stone|rock|nail|screw|shard|shards) (piece"
                "|pieces|shard|shards|fragment|fragments|chunk|chunks|bits|splinters)? * (in|inside"
                "|within) (the|my|our|a|this|these|each|every)? * (food|jar|jars|bag|bags|box|can"
                "|cans|product|bottle|bottles|meal|soup|cereal|chips|bar|bars|baby food|pouch"
                "|sandwich|salad|burger|pizza|drink|coffee|tea|snack|package)",
                "(found|find|finding|discovered|noticed) * (glass|metal|plastic|wire|shards"
                "|mold|mould|maggots|larvae|worms|weevils|roaches|cockroach|cockroaches|rodent"
                "|mouse droppings|rat droppings|droppings|a dead|dead bugs|insects)",
                "(chewed|eaten|gnawed) (open|through|into)? (by)? (a)? (mouse|mice|rat|rats"
                "|rodent|rodents)",
                "(caused|cause|causing) (me|us|him|her)? (a|an)? (accident|crash|collision"
                "|injury|injuries|fire)",
                "(brakes|brake|steering|airbag|airbags|tire|tyre|wheel) * (failed|fail|failure"
                "|came off|fell off|locked up|gave out)",
            ],
            "harassment": [
                "(harass|harassing|harassed|harasses|harassment|stalking|stalked|stalker)"
                " (me|us|my|our|him|her)",
                "(come|comes|came|coming|visit|visits|visited|visiting|show up|showed up|showing"
                " up|turn up|turned up|sending people|send people|sent people|sent someone)"
                " (to|at|onto|on)? (my|our) (home|house|property|place of residence|residence"
                "|door|front door|doorstep|workplace|place of work)",
                "(visits|visit) to (my|our) (home|house|property)",
                "(call|called|calling|calls|contact|contacted|contacting|contacts) (my)?"
                " (employer|family members|relatives|workplace|boss|neighbors|neighbours)",
            ],
        },
        exceptions=[
            "(sick|ill) (of|and tired|to death of)",
            "(cut|cuts|cutting) (corners|costs|prices|ties|the price|back|down|out|off"
            "|short|it close|the cord)",
            "(burn|burned|burnt|burns) (through|out|money|cash|the midnight)",
            "(hurt|hurts) (my|our) (feelings|business|sales|rating|wallet|budget|credit)",
            "(on fire|fire) (sale|deal|deals|emoji|track|album|song)",
            "(this|the|that|our|their|your) * (is|was|are) on fire",
            "(exploded|explode|explodes) (in popularity|with orders|with messages|overnight)",
            "(rash|hives) (of|decisions|decision)",
            "(bleeding|bled) (money|cash|customers|users)",
            "(shocked|shocking) (me|us) (that|how|at|by|with|to see)",
            "(injury|injuries) (lawyer|lawyers|attorney|claim|claims|law)",
            "(won't|will not|wont|never) regret",
        ],
    )
