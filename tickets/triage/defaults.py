"""The categories and default triage rules `seed_demo` installs (departments/seed.py).

Cues are written as citizens write: English, Hindi in Devanagari and romanised Hindi. Matching
(tickets.triage.matching) already takes case, punctuation, repeated letters, digits and the
usual spelling variants of one romanisation ("paise kat gaye", "paisa kat gya", "पैसे कट गए"), so
a cue is listed once per way of saying it, not once per spelling. A cue word of four letters or
more also finds longer words it begins ("deduct" finds "deducted").

Priorities: P1 for harm to a person or their money (harassment, threats, fraud, money taken);
P2 for a service lost (no signal, broadband or landline dead, a parcel or money order lost) and
wrong bills; P3 for the rest of the usual work; P4 for praise and questions.
"""

# code, English name, Hindi name, the ministry's code (None: shared by every ministry)
CATEGORIES = [
    # Every ministry's: about people and money, and praise and questions (COMMON_RULES).
    ("money_deducted", "Money deducted", "पैसे कट गए", None),
    ("harassment_fraud", "Harassment, threat or fraud", "उत्पीड़न, धमकी या धोखाधड़ी", None),
    ("praise_info", "Praise or information", "प्रशंसा या जानकारी", None),
    # The Ministry of Communications': telecom and posts.
    ("billing", "Wrong bill", "गलत बिल", "MOC"),
    ("no_signal", "No signal or network", "नेटवर्क नहीं", "MOC"),
    ("broadband_down", "Broadband or landline down", "ब्रॉडबैंड या लैंडलाइन बंद", "MOC"),
    ("number_porting", "Number porting", "नंबर पोर्टिंग", "MOC"),
    ("spam_calls", "Spam calls and messages", "स्पैम कॉल और संदेश", "MOC"),
    ("parcel_lost", "Parcel or speed post lost", "पार्सल या स्पीड पोस्ट गुम", "MOC"),
    ("money_order", "Money order not received", "मनी ऑर्डर नहीं मिला", "MOC"),
    ("delivery_delay", "Delivery delayed", "डिलीवरी में देरी", "MOC"),
    # The Ministry of Railways' own (its rules below use these and the shared ones).
    ("train_delay", "Train delayed or cancelled", "ट्रेन देर से या रद्द", "RAIL"),
    ("refund", "Ticket refund", "टिकट रिफंड", "RAIL"),
    ("coach_cleanliness", "Coach or station cleanliness", "कोच या स्टेशन की सफाई", "RAIL"),
    ("passenger_safety", "Passenger safety or medical help", "यात्री सुरक्षा या चिकित्सा सहायता", "RAIL"),
]

# name, priority, category, cues
HARASSMENT = (
    "Harassment or threat",
    "p1",
    "harassment_fraud",
    [
        "harass", "harrass", "threat", "blackmail", "stalking", "abusive call", "abusing",
        "धमकी", "उत्पीड़न", "गाली", "परेशान कर रहा", "तंग कर रहा",
        "dhamki", "dhamka raha", "gaali", "pareshan kar raha", "tang kar raha",
    ],
)  # fmt: skip
FRAUD = (
    "Fraud",
    "p1",
    "harassment_fraud",
    [
        "fraud", "scam", "cheated", "cheating", "fake kyc", "kyc update", "otp share", "sim swap",
        "धोखाधड़ी", "धोखा", "ठगी", "ठग लिया",
        "dhokha", "thagi", "thag liya",
    ],
)  # fmt: skip
MONEY_DEDUCTED = (
    "Money deducted",
    "p1",
    "money_deducted",
    [
        "money deducted", "amount deducted", "balance deducted", "deducted twice", "double deduction",
        "amount debited", "money debited", "debited from my account", "deducted from my account",
        "पैसे कट गए", "पैसे कट", "पैसा कट गया", "पैसे काट लिए", "बैलेंस कट गया", "राशि कट गई",
        "paise kat gaye", "paise kat", "paisa kat gaya", "paise cut", "balance kat gaya",
    ],
)  # fmt: skip
PRAISE = (
    "Praise",
    "p4",
    "praise_info",
    [
        "thank you for", "thanks for", "thank you sir", "thanks a lot", "good initiative", "great work",
        "well done", "kudos", "appreciate", "good job",
        "धन्यवाद", "शुक्रिया", "बधाई", "अच्छी पहल",
        "dhanyavad", "shukriya", "badhai", "achhi pahal",
    ],
)  # fmt: skip
INFORMATION = (
    "Information request",
    "p4",
    "praise_info",
    [
        "how to", "how can i", "how do i", "what is the procedure", "information about", "please tell me",
        "कैसे करें", "कैसे करे", "जानकारी चाहिए", "जानकारी दें",
        "kaise kare", "kaise karein", "jankari chahiye", "jankari de", "batayein",
    ],
)  # fmt: skip
WRONG_BILL = (
    "Wrong bill",
    "p2",
    "billing",
    [
        "wrong bill", "excess bill", "extra bill", "inflated bill", "bill is wrong", "billing error",
        "overcharged", "over charged", "extra charges", "charged extra",
        "गलत बिल", "ज्यादा बिल", "ज़्यादा बिल", "बिल गलत",
        "galat bill", "bill galat", "zyada bill", "jyada bill", "bill jyada",
    ],
)  # fmt: skip
NO_SIGNAL = (
    "No service",
    "p2",
    "no_signal",
    [
        "no signal", "no network", "mobile signal", "signal at all", "no service", "no coverage",
        "network issue", "network problem", "call drop", "calls drop", "not able to call",
        "नेटवर्क नहीं", "सिग्नल नहीं", "नेटवर्क की समस्या", "नेटवर्क गायब", "कॉल ड्रॉप",
        "network nahi", "signal nahi", "network gayab", "network ki problem", "range nahi",
    ],
)  # fmt: skip
LINE_DOWN = (
    "Broadband or landline down",
    "p2",
    "broadband_down",
    [
        "broadband down", "broadband not working", "internet down", "internet not working", "been down",
        "is down", "down for", "dead for", "line dead", "landline dead", "phone dead", "disconnected",
        "keeps dropping", "ftth down", "fiber down", "wifi not working",
        "ब्रॉडबैंड बंद", "इंटरनेट बंद", "नेट बंद", "बंद है", "बंद पड़ा", "डेड है", "नेट नहीं चल",
        "net band", "band hai", "band pada", "dead hai", "net nahi chal", "internet nahi chal",
    ],
)  # fmt: skip
PORTING = (
    "Number porting",
    "p3",
    "number_porting",
    ["porting", "port out", "port my number", "number port", "mnp", "upc code", "पोर्ट", "पोर्टिंग"],
)
SPAM = (
    "Spam calls",
    "p3",
    "spam_calls",
    [
        "spam", "pesky call", "unwanted call", "telemarketing", "promotional call", "dnd", "fake call",
        "फ़र्ज़ी कॉल", "फर्जी कॉल", "स्पैम", "farzi call",
    ],
)  # fmt: skip
PARCEL_LOST = (
    "Parcel lost",
    "p2",
    "parcel_lost",
    [
        "parcel lost", "parcel missing", "lost parcel", "lost my parcel", "parcel not received",
        "speed post lost", "speed post missing", "consignment lost", "article lost",
        "पार्सल गुम", "पार्सल खो गया", "पार्सल नहीं मिला", "स्पीड पोस्ट गुम",
        "parcel gum", "parcel kho gaya", "parcel nahi mila",
    ],
)  # fmt: skip
MONEY_ORDER = (
    "Money order not received",
    "p2",
    "money_order",
    ["money order", "मनी ऑर्डर", "मनीऑर्डर"],
)
DELIVERY_DELAY = (
    "Delivery delayed",
    "p3",
    "delivery_delay",
    [
        "not delivered", "not yet delivered", "delivery delayed", "stuck", "delayed",
        "डिलीवरी नहीं", "अटका", "नहीं पहुंचा", "नहीं पहुँचा",
        "delivery nahi", "atka hua", "nahi pahuncha",
    ],
)  # fmt: skip

# Railways: a passenger in danger or in need of a doctor on board is P1 (Rail Madad's own order).
PASSENGER_SAFETY = (
    "Passenger safety or medical help",
    "p1",
    "passenger_safety",
    [
        "medical help", "need a doctor", "doctor on board", "unwell", "chain pulling", "unsafe", "robbery",
        "stolen", "theft", "डॉक्टर", "चोरी", "तबीयत खराब", "असुरक्षित",
        "doctor chahiye", "chori ho gaya", "tabiyat kharab",
    ],
)  # fmt: skip
TRAIN_DELAY = (
    "Train delayed or cancelled",
    "p2",
    "train_delay",
    [
        "train late", "running late", "hours late", "train cancelled", "train delayed", "delayed by",
        "ट्रेन लेट", "ट्रेन रद्द", "घंटे लेट",
        "train late hai", "ghante late", "train radd",
    ],
)  # fmt: skip
REFUND = (
    "Ticket refund",
    "p2",
    "refund",
    ["refund", "tdr", "cancellation charge", "रिफंड", "पैसा वापस", "paisa wapas"],
)
COACH_CLEANLINESS = (
    "Coach or station cleanliness",
    "p3",
    "coach_cleanliness",
    [
        "dirty", "toilet", "cockroach", "no water in", "not cleaned", "garbage",
        "गंदा", "गंदगी", "शौचालय", "पानी नहीं",
        "ganda", "gandagi", "paani nahi",
    ],
)  # fmt: skip
RAILWAY_RULES = [PASSENGER_SAFETY, TRAIN_DELAY, REFUND, COACH_CLEANLINESS]

# Every department gets the rules about people and money, and praise and questions; each its own
# service's rules besides. Units inherit their department's.
COMMON_RULES = [HARASSMENT, FRAUD, MONEY_DEDUCTED, PRAISE, INFORMATION]
TELECOM_RULES = [WRONG_BILL, NO_SIGNAL, LINE_DOWN, PORTING]
DEPARTMENT_RULES = {
    "MOC": COMMON_RULES,
    "DOT": [*COMMON_RULES, NO_SIGNAL, SPAM],
    "BSNL": [*COMMON_RULES, *TELECOM_RULES],
    "MTNL": [*COMMON_RULES, *TELECOM_RULES],
    "POSTS": [*COMMON_RULES, PARCEL_LOST, MONEY_ORDER, DELIVERY_DELAY],
    # The Ministry of Railways: its triage queue and its zones share the railway rules.
    "RAIL": [*COMMON_RULES, *RAILWAY_RULES],
    "NR": [*COMMON_RULES, *RAILWAY_RULES],
    "CR": [*COMMON_RULES, *RAILWAY_RULES],
}
