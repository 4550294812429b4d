"""Legal family: lawsuits, lawyers, courts, regulators, data-protection complaints.

`pattern_legal` holds the original phrases, `english_legal` the ones added for what real
feedback says. The phrase language is `model.rules.language.compile_phrase`; a rule's examples
and near-misses are in `EXAMPLES` below and run as tests
(`tests/model/rules/test_rules_examples.py`).
"""

from __future__ import annotations

from model.labels import FlagFamily
from model.rules.base import Examples, FamilyRules

_LAWS = (
    "fcra|fdcpa|tila|respa|ecoa|fdcp|glba|hipaa|hippa|usc|u.s.c.|law|laws|act|regulation"
    "|regulations|statute|statutes|rights|civil rights|consumer rights|code|section|privacy"
    "|lending act|reporting act|collection practices act"
)


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


def english_legal() -> FamilyRules:
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


# What each rule must match, and near-misses on which the family must stay silent.
EXAMPLES: dict[str, Examples] = {
    "legal.sue": Examples(
        match=("We will sue you if this is not fixed.", "They sued our previous supplier."),
        near_miss=("Sue from support sorted it in five minutes, thanks Sue!",),
    ),
    "legal.lawsuit": Examples(
        match=("They filed a class action lawsuit.", "We are considering litigation."),
        near_miss=("The new plan does not suit a team of our size.",),
    ),
    "legal.lawyer": Examples(
        match=("My lawyer will be in touch.", "Our general counsel has been instructed."),
        near_miss=("Great portal for our law firm clients.",),
    ),
    "legal.legal_action": Examples(
        match=("Taking legal action next week.", "We will hold you liable for the losses."),
        near_miss=("Our legal team liked the contract templates.",),
    ),
    "legal.court": Examples(
        match=("This is going to small claims court.", "See you in court."),
        near_miss=("We use the court booking app for our tennis club.",),
    ),
    "legal.cease_and_desist": Examples(
        match=("Expect a cease-and-desist by Friday.", "We got a C&D letter from them."),
        near_miss=("The rattling ceased after the update and the fan works again.",),
    ),
    "legal.regulator": Examples(
        match=("We have filed a complaint with the ombudsman.", "we reported them to the SEC"),
        near_miss=("We reported the bug to support and they fixed it the same day.",),
    ),
    "legal.data_protection": Examples(
        match=("I am filing a GDPR complaint about this.", "I sent a subject access request."),
        near_miss=("The GDPR settings page is easy to find.",),
    ),
    "legal.broke_law": Examples(
        match=("This is a clear violation of the FCRA.", "Charging that fee is illegal."),
        near_miss=("I bought the lip balm for my sister at law school.",),
    ),
}
