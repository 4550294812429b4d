"""Security family: hacking, breaches, leaks, account takeover, phishing, exposed credentials.

`pattern_security` holds the original phrases, `english_security` the ones added for what real
feedback says (implicit exposure of other people's data, account takeover).
"""

from __future__ import annotations

from model.labels import FlagFamily
from model.rules.base import Examples, FamilyRules

_MY_DATA = (
    "info|information|details|data|records|record|files|file|documents|document|name|address"
    "|addresses|number|numbers|ssn|social security number|account|accounts|orders|order"
    "|history|medical records|photos|profile|statements|invoices|card|card details|bank details"
)
_OTHERS = (
    "other|another|others|someone else's|somebody else's|strangers|stranger's|different|random"
    "|other people's|other customers'|other users'"
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


def english_security() -> FamilyRules:
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


# What each rule must match, and near-misses on which the family must stay silent.
EXAMPLES: dict[str, Examples] = {
    "security.hacked": Examples(
        match=("We were hacked through your plugin.", "Our site was hacked twice this month."),
        near_miss=("We hacked together a quick workaround for the export.",),
    ),
    "security.breach": Examples(
        match=("There has been a data breach at your end.", "They found a vulnerability."),
        near_miss=("The SLA breach report template saves us time.",),
    ),
    "security.data_leak": Examples(
        match=("Our customer list leaked online.", "Your app exposed our customer data."),
        near_miss=("The export of our customer list finished overnight.",),
    ),
    "security.compromised": Examples(
        match=("Our admin account was compromised.", "They compromised our email server."),
        near_miss=("We reached a compromise on the renewal price.",),
    ),
    "security.account_takeover": Examples(
        match=("My account was taken over last night.", "Someone hijacked our store."),
        near_miss=("The new owner took over the team and it runs well.",),
    ),
    "security.unauthorized_access": Examples(
        match=("There were logins from a country we have never been to.",),
        near_miss=("Great app, I still have access to my notes everywhere.",),
    ),
    "security.phishing": Examples(
        match=(
            "We got a phishing email from your domain.",
            "The text asked me to verify my login.",
        ),
        near_miss=("How do I run a phishing simulation campaign?",),
    ),
    "security.malware": Examples(
        match=("Your installer contained malware.", "The update infected our laptops."),
        near_miss=("The antivirus vendor we compared you with was slower.",),
    ),
    "security.credentials_exposed": Examples(
        match=("Passwords are stored in plain text!", "Our API keys were posted publicly."),
        near_miss=("I forgot my password so I reset it, easy.",),
    ),
    "security.exposure": Examples(
        match=("I received someone else's invoice with their address.",),
        near_miss=("I can see my own orders and addresses in the app.",),
    ),
    "security.takeover": Examples(
        match=("Someone got into my account and changed the password.",),
        near_miss=("I changed my password and got into my account, all good.",),
    ),
}
