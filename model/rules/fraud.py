"""Fraud family: scams, theft, unauthorised charges, chargebacks, identity theft, fake invoices.

`pattern_fraud` holds the original phrases, `english_fraud` the ones added for what real
feedback says (accounts and charges the writer did not authorise).
"""

from __future__ import annotations

from model.labels import FlagFamily
from model.rules.base import Examples, FamilyRules


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


def english_fraud() -> FamilyRules:
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


# What each rule must match, and near-misses on which the family must stay silent.
EXAMPLES: dict[str, Examples] = {
    "fraud.fraud": Examples(
        match=("This is fraud, plain and simple.", "the cheque was fraudulent"),
        near_miss=("The fraud detection module is excellent.",),
    ),
    "fraud.scam": Examples(
        match=("This company is a total scam.", "these guys are con artists"),
        near_miss=("The scam call filter blocks a lot of spam.",),
    ),
    "fraud.theft": Examples(
        match=("They stole our deposit and vanished.", "They pocketed my refund."),
        near_miss=("At this price the plan is a steal.",),
    ),
    "fraud.unauthorized_charge": Examples(
        match=("There is an unauthorized charge of $400 on our card.", "charged 2x"),
        near_miss=("The charge on our card matched the quote exactly.",),
    ),
    "fraud.chargeback": Examples(
        match=("We have filed a chargeback with our bank.",),
        near_miss=("The chargeback reports save us hours.",),
    ),
    "fraud.identity_theft": Examples(
        match=("I am a victim of identity theft.", "A thief stole my identity and opened cards."),
        near_miss=("The identity theft protection add-on is worth it.",),
    ),
    "fraud.fake_invoice": Examples(
        match=("They sent forged bank details for the supplier.",),
        near_miss=("The invoice template looks professional.",),
    ),
    "fraud.not_authorised": Examples(
        match=("There are inquiries on my report I did not authorize.",),
        near_miss=("I did not expect the charge to be so low, nice surprise.",),
    ),
}
