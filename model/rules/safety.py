"""Safety family: violence, self-harm, criminal threats, harassment, injuries and danger.

`pattern_safety` holds the original phrases, `english_safety` the ones added for what real
feedback says (product injury, physical danger, collectors' visits).
"""

from __future__ import annotations

from model.labels import FlagFamily
from model.rules.base import Examples, FamilyRules

_BODY = (
    "hand|hands|finger|fingers|thumb|arm|arms|leg|legs|foot|feet|face|mouth|tongue|lip|lips"
    "|eye|eyes|skin|wrist|knee|palm|toe|toes|chin|nose"
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


def english_safety() -> FamilyRules:
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


# What each rule must match, and near-misses on which the family must stay silent.
EXAMPLES: dict[str, Examples] = {
    "safety.violence": Examples(
        match=(
            "He said he'd stab me if I complained again.",
            "I'll be waiting outside your depot.",
        ),
        near_miss=("I'd kill for a dark mode.",),
    ),
    "safety.self_harm": Examples(
        match=("I want to end it all.", "I don't see the point of living anymore."),
        near_miss=("We ended the trial early and picked the annual plan.",),
    ),
    "safety.criminal_threat": Examples(
        match=("I'll burn your warehouse down.",),
        near_miss=("We burn through the monthly credits too quickly.",),
    ),
    "safety.injury": Examples(
        match=("the scanner cut a worker's hand, he needed stitches",),
        near_miss=("We cut costs by 20% and the team loves the dashboard.",),
    ),
    "safety.danger": Examples(
        match=("The charger caught fire on my desk overnight.", "Found glass pieces in the jar."),
        near_miss=("Orders exploded overnight after the launch, great problem to have.",),
    ),
    "safety.harassment": Examples(
        match=("They keep coming to my home and calling my employer.",),
        near_miss=("They came to our office for the kickoff, very helpful.",),
    ),
}
