"""Realistic citizen traffic in real X API v2 shapes, for the simulator, the demo and benchmarks.

Complaints to the seed departments of both ministries (Communications and Railways) in English,
Hindi and Hinglish, from many cities, each addressed to its own ministry's minister; follow-ups
in the same conversation; retweets; the departments' own replies; edits; and repeated deliveries.
Deterministic for a given seed.
"""

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# X's rule for a username (screen name): 1 to 15 letters, digits and underscores.
USERNAME_MAX_LENGTH = 15
USERNAME_RE = re.compile(r"[A-Za-z0-9_]{1,15}")

OFFICIALS = {
    "MOC": ("manojsinhabjp", "1000001"),
    "DOT": ("DoT_India", "1000002"),
    "BSNL": ("BSNLCorporate", "1000003"),
    "MTNL": ("MTNLOfficial", "1000004"),
    "POSTS": ("PostOfficeIndia", "1000005"),
    "RAIL": ("RailMinIndia", "1100001"),
    "RSEVA": ("RailwaySeva", "1100002"),
    "NR": ("RailwayNorthern", "1100003"),
    "CR": ("Central_Railway", "1100004"),
}
HASHTAGS = {
    "DOT": "DOTSeva",
    "BSNL": "BSNLSeva",
    "MTNL": "MTNLSeva",
    "POSTS": "PostalSeva",
    "RSEVA": "RailSeva",
    "NR": "NRSeva",
    "CR": "CRSeva",
}
# Each department's ministry, whose minister a citizen tags.
MINISTRY = {"DOT": "MOC", "BSNL": "MOC", "MTNL": "MOC", "POSTS": "MOC", "MOC": "MOC"} | dict.fromkeys(
    ("RSEVA", "NR", "CR", "RAIL"), "RAIL"
)
CITIES = {
    "BSNL": [
        "Kochi",
        "Thiruvananthapuram",
        "Pune",
        "Nagpur",
        "Lucknow",
        "Kanpur",
        "Jaipur",
        "Chennai",
        "Ranchi",
        "Guwahati",
        "Bhopal",
        "Patna",
    ],
    "MTNL": ["Delhi", "Dwarka", "Rohini", "Mumbai", "Andheri", "Thane"],
    "POSTS": ["Kolkata", "Mysuru", "Hyderabad", "Surat", "Amritsar", "Varanasi", "Indore"],
    "DOT": ["Gurugram", "Noida", "Raipur", "Bengaluru", "Ahmedabad"],
    "MOC": ["Delhi", "Shimla", "Dehradun"],
    "RSEVA": ["Chennai", "Howrah", "Bhopal", "Secunderabad"],
    "NR": ["New Delhi", "Hazrat Nizamuddin", "Lucknow", "Charbagh", "Ambala", "Jammu"],
    "CR": ["Mumbai", "CSMT", "Dadar", "Pune", "Lonavala", "Solapur"],
    "RAIL": ["Delhi", "Varanasi"],
}
COMPLAINTS = {
    "BSNL": [
        ("en", "My BSNL broadband in {city} has been down for {n} days, complaint {ref} still open."),
        ("en", "No BSNL mobile signal at all in {city} since {n} days. Please help."),
        ("en", "BSNL FTTH connection in {city} disconnected without notice, bill is paid."),
        ("hi", "मेरा बीएसएनएल ब्रॉडबैंड {city} में {n} दिनों से बंद है। कृपया सहायता करें।"),
        ("hi", "{city} में बीएसएनएल नेटवर्क नहीं आ रहा, शिकायत {ref} पर कोई कार्रवाई नहीं।"),
        ("hi-Latn", "Bhai BSNL ka net {city} mein {n} din se band hai, koi sunta hi nahi."),
    ],
    "MTNL": [
        ("en", "MTNL landline at {city} dead for {n} days, nobody attends complaint {ref}."),
        ("en", "MTNL broadband in {city} keeps dropping every evening."),
        ("hi-Latn", "MTNL ka phone {city} mein {n} din se dead hai, complaint {ref} ka kya hua?"),
    ],
    "POSTS": [
        ("en", "Speed post {article} booked {n} days ago still not delivered to {city}."),
        ("en", "Post office savings passbook not updated at {city} head post office."),
        ("hi", "मेरा स्पीड पोस्ट {article} {n} दिन से {city} में अटका हुआ है।"),
        ("hi-Latn", "Parcel {article} {city} post office mein {n} din se pada hai, delivery nahi hui."),
    ],
    "DOT": [
        ("en", "Getting spam calls every hour despite DND registration, {city}."),
        ("en", "Fraud SMS asking for KYC update received in {city}, please act."),
        ("hi", "{city} में रोज़ फ़र्ज़ी कॉल आ रही हैं, कृपया कार्रवाई करें।"),
    ],
    "MOC": [
        ("en", "Good initiative sir, hope it works for everyone."),
        ("en", "Sir, thank you for listening to common people."),
    ],
    "RSEVA": [
        ("en", "PNR {pnr}: refund for my cancelled ticket not received for {n} days."),
        ("en", "Train {train} running {n} hours late at {city}, no announcement at all."),
        ("hi", "मेरे टिकट का रिफंड {n} दिन से नहीं आया, PNR {pnr}।"),
        ("hi-Latn", "IRCTC site tatkal ke time band ho jati hai, {city} se {n} baar try kiya."),
    ],
    "NR": [
        ("en", "Coach B{n} of train {train} is dirty, toilet not cleaned since {city}."),
        ("en", "Passenger unwell in coach S{n} of train {train} near {city}, need a doctor."),
        ("hi", "ट्रेन {train} के कोच में पानी नहीं है, {city} से गंदगी है।"),
    ],
    "CR": [
        ("en", "Local train at {city} cancelled again, commuters stranded for {n} hours."),
        ("en", "Bag stolen in train {train} near {city}, please help."),
        ("hi-Latn", "{city} station pe toilet bahut ganda hai, koi safai nahi."),
    ],
    "RAIL": [
        ("en", "Sir, thank you for the new train service to {city}."),
        ("en", "Good initiative sir, the station at {city} looks much cleaner now."),
    ],
}
# How often each department is the one complained to (Communications' share as before Railways came).
DEPARTMENT_WEIGHTS = {
    "BSNL": 40,
    "MTNL": 10,
    "POSTS": 25,
    "DOT": 15,
    "MOC": 10,
    "RSEVA": 12,
    "NR": 10,
    "CR": 10,
    "RAIL": 4,
}
FOLLOW_UPS = [
    ("en", "Any update on this? Still not resolved."),
    ("en", "It has been {n} more days, please look into it."),
    ("hi", "कोई जवाब नहीं मिला, कृपया देखें।"),
    ("hi-Latn", "Abhi tak kuch nahi hua, please check karo."),
]
OFFICIAL_REPLIES = [
    "We regret the inconvenience. Please share your contact number via DM so that we can help.",
    "Your concern has been forwarded to the concerned team for action.",
]
FIRST_NAMES = [
    "rahul",
    "priya",
    "arjun",
    "neha",
    "vikram",
    "ananya",
    "kavya",
    "manish",
    "divya",
    "sneha",
    "fatima",
    "jyoti",
    "suresh",
    "meera",
    "imran",
    "lakshmi",
]
LAST_NAMES = [
    "sharma",
    "reddy",
    "nair",
    "khan",
    "pillai",
    "das",
    "gupta",
    "rao",
    "yadav",
    "bose",
    "patel",
    "mukherjee",
    "chauhan",
    "ali",
]


@dataclass
class _Thread:
    conversation_id: str
    department: str
    last_tweet_id: str
    citizen: tuple[str, str]


@dataclass
class TweetGenerator:
    """Yields v2 response pages, each with one tweet and its author in includes.

    Proportions: about 70 % new complaints, 15 % follow-ups, 5 % official replies, 4 % retweets,
    3 % edits and 3 % repeated deliveries of a tweet already sent.
    """

    seed: int = 1
    start: datetime = field(default_factory=lambda: datetime.now(tz=UTC) - timedelta(hours=1))
    first_id: int = 900_000_000_000_000_000
    citizens: int = 50_000
    # No tweet is dated after the moment it is handed out (X never sends a tweet from the future, and
    # a future date would sort the tweet after our acknowledgement of it): its clock stops at now().
    now: Callable[[], datetime] = field(default=lambda: datetime.now(tz=UTC), repr=False)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.next_id = self.first_id
        self.clock = self.start
        self.threads: list[_Thread] = []
        self.recent_pages: list[dict] = []
        self.recent_complaints: list[dict] = []

    def _id(self) -> str:
        self.next_id += self.random.randint(1, 5_000)
        return str(self.next_id)

    def _citizen(self) -> tuple[str, str]:
        n = self.random.randrange(self.citizens)
        rnd = random.Random(n)
        # A name and the citizen's number, the name cut to fit X's 15 characters. The number makes it
        # unique: the name part has no digits, so where it ends is never in doubt.
        number = str(n)
        name = f"{rnd.choice(FIRST_NAMES)}_{rnd.choice(LAST_NAMES)}"[: USERNAME_MAX_LENGTH - len(number)]
        return f"{name.rstrip('_')}{number}", str(3_000_000_000 + n)

    def _page(
        self,
        *,
        text: str,
        author: tuple[str, str],
        lang: str,
        conversation_id: str | None = None,
        reply_to: str | None = None,
        retweet_of: str | None = None,
        edit_of: str | None = None,
        mentions: list[tuple[str, str]] = (),
    ) -> dict:
        tweet_id = self._id()
        step = timedelta(milliseconds=self.random.randint(50, 2_000))
        # Never later than now, never earlier than the tweet before: a burst shares the current moment.
        self.clock = max(self.clock, min(self.clock + step, self.now()))
        tweet = {
            "id": tweet_id,
            "text": text,
            "author_id": author[1],
            "created_at": self.clock.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.clock.microsecond // 1000:03d}Z",
            "conversation_id": conversation_id or tweet_id,
            "lang": {"hi-Latn": "hi"}.get(lang, lang),
            "edit_history_tweet_ids": [edit_of, tweet_id] if edit_of else [tweet_id],
        }
        entities: dict = {}
        if mentions:
            entities["mentions"] = []
            for username, user_id in mentions:
                start = text.find("@" + username)
                entities["mentions"].append(
                    {"start": start, "end": start + len(username) + 1, "username": username, "id": user_id}
                )
        tags = [word for word in text.split() if word.startswith("#")]
        if tags:
            entities["hashtags"] = []
            for tag in tags:
                start = text.find(tag)
                entities["hashtags"].append({"start": start, "end": start + len(tag), "tag": tag[1:]})
        if entities:
            tweet["entities"] = entities
        if reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        if retweet_of:
            tweet["referenced_tweets"] = [{"type": "retweeted", "id": retweet_of}]
        users = [{"id": author[1], "username": author[0], "name": author[0].replace("_", " ").title()}]
        return {"data": [tweet], "includes": {"users": users}}

    def _complaint(self) -> dict:
        department = self.random.choices(list(DEPARTMENT_WEIGHTS), weights=list(DEPARTMENT_WEIGHTS.values()))[0]
        lang, template = self.random.choice(COMPLAINTS[department])
        city = self.random.choice(CITIES[department])
        text = template.format(
            city=city,
            n=self.random.randint(2, 45),
            ref=self.random.randint(10**7, 10**8),
            article=f"E{self.random.randint(10**8, 10**9 - 1)}IN",
            pnr=self.random.randint(10**9, 10**10 - 1),
            train=self.random.randint(12001, 22999),
        )
        minister = MINISTRY[department]
        mentions = [OFFICIALS[minister]]
        if department != minister and self.random.random() < 0.4:
            mentions.insert(0, OFFICIALS[department])
        prefix = " ".join("@" + handle for handle, _ in mentions)
        suffix = ""
        if department in HASHTAGS and self.random.random() < 0.8:
            tag = HASHTAGS[department]
            suffix = " #" + self.random.choice([tag, tag.lower(), tag.upper()])
        citizen = self._citizen()
        page = self._page(text=f"{prefix} {text}{suffix}", author=citizen, lang=lang, mentions=mentions)
        tweet = page["data"][0]
        self.threads.append(_Thread(tweet["id"], department, tweet["id"], citizen))
        if len(self.threads) > 5_000:
            self.threads = self.threads[-2_500:]
        self.recent_complaints.append(page)
        if len(self.recent_complaints) > 200:
            self.recent_complaints = self.recent_complaints[-100:]
        return page

    def _follow_up(self) -> dict:
        thread = self.random.choice(self.threads)
        lang, template = self.random.choice(FOLLOW_UPS)
        handle, user_id = OFFICIALS[MINISTRY[thread.department]]
        page = self._page(
            text=f"@{handle} " + template.format(n=self.random.randint(2, 9)),
            author=thread.citizen,
            lang=lang,
            conversation_id=thread.conversation_id,
            reply_to=thread.last_tweet_id,
            mentions=[(handle, user_id)],
        )
        thread.last_tweet_id = page["data"][0]["id"]
        return page

    def _official_reply(self) -> dict:
        thread = self.random.choice(self.threads)
        account = OFFICIALS[thread.department]
        text = f"@{thread.citizen[0]} {self.random.choice(OFFICIAL_REPLIES)}"
        page = self._page(
            text=text, author=account, lang="en", conversation_id=thread.conversation_id, reply_to=thread.last_tweet_id
        )
        page["includes"]["users"].append({"id": thread.citizen[1], "username": thread.citizen[0], "name": ""})
        return page

    def _retweet(self) -> dict:
        thread = self.random.choice(self.threads)
        return self._page(
            text=f"RT @{thread.citizen[0]}: please look into this",
            author=self._citizen(),
            lang="en",
            retweet_of=thread.conversation_id,
        )

    def _edit(self) -> dict:
        source = self.random.choice(self.recent_complaints)
        original = source["data"][0]
        author = (source["includes"]["users"][0]["username"], original["author_id"])
        mentions = [(m["username"], m["id"]) for m in original.get("entities", {}).get("mentions", [])]
        return self._page(
            text=original["text"] + " (edited: adding details)",
            author=author,
            lang=original.get("lang", "en"),
            conversation_id=original["conversation_id"],
            edit_of=original["id"],
            mentions=mentions,
        )

    def pages(self, count: int) -> Iterator[dict]:
        for _ in range(count):
            roll = self.random.random()
            if not self.threads or roll < 0.70:
                page = self._complaint()
            elif roll < 0.85:
                page = self._follow_up()
            elif roll < 0.90:
                page = self._official_reply()
            elif roll < 0.94:
                page = self._retweet()
            elif roll < 0.97 and self.recent_complaints:
                page = self._edit()
            elif self.recent_pages:
                page = self.random.choice(self.recent_pages)  # delivered again
            else:
                page = self._complaint()
            self.recent_pages.append(page)
            if len(self.recent_pages) > 200:
                self.recent_pages = self.recent_pages[-100:]
            yield page
