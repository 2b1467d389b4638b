"""Surge detection, the pure part: which new tickets belong together, and which groups arrive faster
than their unit usually does (tickets.services.incident_detection reads and writes the rows).

Groups. Tickets group only within one department and unit, and there by text, whatever category
the triage rules gave them: one outage is told in many ways ("no signal", "call drop", "net band"),
which the rules file under different categories, while a unit's everyday complaints share a
category without being one event. The incident takes its members' commonest category.

Text similarity: the overlap coefficient, |A ∩ B| / min(|A|, |B|), of two *sets of sound keys*
(tickets.triage.matching.word_key of each normalised word; stop words, mentions, hashtags, links and
the words that name the place, such as the unit's routing places, dropped), with at least MIN_SHARED
keys in common. Why this measure:

- Tweets are short (a dozen words), so the set of their words is the text; shingles of two or more
  words would miss "network down" against "down network", and word order in Hinglish is free.
- Sound keys make one word of "नेटवर्क", "network" and "netwrk", and of "पुणे" and "Pune", so the same
  complaint in Devanagari, Hinglish or English shares its keys (pg_trgm's character trigrams share
  nothing across scripts).
- Overlap rather than Jaccard: citizens say the same thing at very different lengths, and a short
  tweet whose words are all in the group's signature is the same complaint; Jaccard would punish
  the longer one.
- A batch holds few tickets per unit (hundreds at a surge), so exact comparison against each
  group's signature, found through an inverted index of keys, is cheap; MinHash would only
  approximate it.

A ticket joins the group whose signature (the keys held by at least SIGNATURE_SHARE of its members)
is most similar, at least JOIN_SIMILARITY; else it starts a group of its own.

Rate. A group is a surge when, within WINDOW of tweet time, it has at least MIN_SURGE tickets and
more than SURGE_FACTOR times what its unit usually gets in WINDOW: the unit's (and category's)
exponentially decayed count of tickets (half-life BASELINE_HALF_LIFE) turned into a rate (a text
group is a fraction of its unit's uncategorised traffic, so it is compared with TEXT_SHARE of it);
and at least OTHERS_FACTOR times the unit's other tickets of the same window: an outage drowns a
unit's everyday traffic, while its everyday complaints (however alike) are a share of it, also in
a new installation that has no baseline yet.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from tickets.triage.matching import text_normalise, word_key

WINDOW = timedelta(minutes=30)
MIN_SURGE = 20
SURGE_FACTOR = 3.0
OTHERS_FACTOR = 1.0
TEXT_SHARE = 0.25
BASELINE_HALF_LIFE = timedelta(days=7)
JOIN_SIMILARITY = 0.4
MIN_SHARED = 2
SIGNATURE_SHARE = 0.4
# The signature's most shared words named in the title.
TITLE_WORDS = 3

_HANDLES_TAGS = re.compile(r"[@#]\w+|https?://\S+")
_STOP_WORDS = """
a an the is are was were be been am i me my we our you your it its this that these those of to in on at
for from by with and or but not no so as if since still please pls plz sir madam mam ji kindly help
any all very too also get got has have had do does did will can could would should there here now
today yesterday days day hours hour morning evening night time
hai hain ho tha thi the hum ham mera meri mere mujhe main mai me mein se ka ki ke ko ne par pe aur ya
bhi to toh kya kyu kyun koi kuch ab abhi din roz raha rahi rahe gaya gayi gaye kar karo kare kiya
है हैं हो था थी थे हम मेरा मेरी मेरे मुझे मैं में से का की के को ने पर और या भी तो क्या कोई कुछ अब अभी दिन
रहा रही रहे गया गई गए कर करो करें किया कृपया जी
"""
# Stop words are dropped as written, not by sound key: "din" (day) and "डाउन" (down) share one.
STOP_WORDS = frozenset(text_normalise(_STOP_WORDS).split())


@lru_cache(maxsize=50_000)
def _content_key(word: str) -> str:
    """A normalised word's key as a content word; "" for a stop word, a number or a short key.
    Once per word and process: every new and recent ticket of every batch is read for its words."""
    if word.isdigit() or word in STOP_WORDS:
        return ""
    # A hard "c" is a "k" in Devanagari ("call", "कॉल"); matching's key keeps them apart.
    key = (word_key(word) or word).replace("c", "k")
    return key if len(key) >= 2 else ""


def text_words(text: str) -> dict[str, str]:
    """The text's content words: {sound key: the word as written}, stop words and short keys dropped."""
    return dict(_text_words(text))


# Each batch re-reads its departments' recent tickets: their words are worked out once per process
# (a fresh dict each call, since detection drops place names from it). Room for a few batches.
@lru_cache(maxsize=30_000)
def _text_words(text: str) -> tuple[tuple[str, str], ...]:
    words: dict[str, str] = {}
    for word in text_normalise(_HANDLES_TAGS.sub(" ", text)).split():
        if key := _content_key(word):
            words.setdefault(key, word)
    return tuple(words.items())


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a or b else 0.0


def similarity(words: Iterable[str], signature: Iterable[str]) -> float:
    """The overlap coefficient, |A ∩ B| / min(|A|, |B|), needing MIN_SHARED keys in common."""
    a = words.keys() if isinstance(words, dict) else set(words)
    b = signature if isinstance(signature, frozenset) else set(signature)
    shared = len(a & b)
    return shared / min(len(a), len(b)) if shared >= MIN_SHARED else 0.0


def expected_in_window(level: float, *, at: datetime | None = None, updated_at: datetime | None = None) -> float:
    """Tickets a unit usually gets in WINDOW, from its decayed count `level` (as of `updated_at`)."""
    if at is not None and updated_at is not None and at > updated_at:
        level *= 0.5 ** ((at - updated_at) / BASELINE_HALF_LIFE)
    return level * math.log(2) * (WINDOW / BASELINE_HALF_LIFE)


@dataclass(slots=True)
class SurgeTicket:
    id: int
    department_id: int
    unit_id: int | None
    category_id: str | None
    text: str
    at: datetime  # when it was tweeted
    is_new: bool  # in this batch (older ones are recent tickets in no incident)
    words: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.words:
            self.words = text_words(self.text)


@dataclass(slots=True)
class OpenIncident:
    id: int
    department_id: int
    unit_id: int | None
    category_id: str | None
    keys: frozenset[str]


@dataclass(slots=True)
class Group:
    department_id: int
    unit_id: int | None
    category_id: str | None
    members: list[SurgeTicket] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    forms: dict[str, Counter] = field(default_factory=dict)
    # Worked out once per change of members: grouping compares every ticket with the signatures of
    # all the groups it shares a key with.
    _signature: frozenset[str] | None = field(default=None, repr=False, compare=False)

    def add(self, ticket: SurgeTicket) -> None:
        self.members.append(ticket)
        self._signature = None
        for key, word in ticket.words.items():
            self.counts[key] += 1
            forms = self.forms.get(key)
            if forms is None:  # not setdefault: it would build a Counter for every word of every member
                forms = self.forms[key] = Counter()
            forms[word] += 1

    @property
    def signature(self) -> frozenset[str]:
        if self._signature is None:
            if len(self.members) == 1:
                self._signature = frozenset(self.counts)
            else:
                least = max(1, math.ceil(SIGNATURE_SHARE * len(self.members)))
                self._signature = frozenset(key for key, count in self.counts.items() if count >= least)
        return self._signature

    def shared_words(self, limit: int = TITLE_WORDS) -> list[str]:
        """The words most members wrote, each in its commonest spelling."""
        ranked = sorted(self.signature, key=lambda key: (-self.counts[key], key))[:limit]
        return [self.forms[key].most_common(1)[0][0] for key in ranked]

    def in_window(self) -> list[SurgeTicket]:
        latest = max(t.at for t in self.members)
        return [t for t in self.members if t.at >= latest - WINDOW]


def _commonest_category(tickets: Iterable[SurgeTicket]) -> str | None:
    """The category most of a group's tickets were given (None when none has one): the incident's."""
    counts = Counter(t.category_id for t in tickets if t.category_id)
    return counts.most_common(1)[0][0] if counts else None


def text_groups(tickets: Sequence[SurgeTicket]) -> list[Group]:
    """Greedy grouping in time order: each ticket joins the most similar group's signature, else starts one."""
    groups: list[Group] = []
    index: dict[str, set[int]] = {}
    for ticket in sorted(tickets, key=lambda t: (t.at, t.id)):
        candidates = {g for key in ticket.words for g in index.get(key, ())}
        best, best_score = None, JOIN_SIMILARITY
        for position in candidates:
            score = similarity(ticket.words, groups[position].signature)
            if score >= best_score:
                best, best_score = position, score
        if best is None:
            best = len(groups)
            groups.append(Group(ticket.department_id, ticket.unit_id, ticket.category_id))
        groups[best].add(ticket)
        for key in ticket.words:
            index.setdefault(key, set()).add(best)
    return groups


@dataclass(slots=True)
class SurgePlan:
    joins: dict[int, int] = field(default_factory=dict)  # new ticket id -> open incident id
    opens: list[Group] = field(default_factory=list)  # each a new incident, with its members


def baseline_key(*, unit_id: int | None, department_id: int, category_id: str | None) -> tuple[int, str]:
    return (unit_id or department_id, category_id or "")


def surge_plan(
    *,
    tickets: Sequence[SurgeTicket],
    open_incidents: Sequence[OpenIncident],
    expected: dict[tuple[int, str], float],
    other_category: str = "other",
) -> SurgePlan:
    """What detection does with a batch: new tickets that join an open incident, and groups (of new
    and recent tickets) that open one. `expected` is each (scope department, category code or "")'s
    usual count in WINDOW."""
    plan = SurgePlan()
    for ticket in tickets:
        if ticket.category_id == other_category:
            ticket.category_id = None
    by_place: dict[tuple, list[OpenIncident]] = {}
    for incident in open_incidents:
        by_place.setdefault((incident.department_id, incident.unit_id), []).append(incident)
    free = []
    for ticket in tickets:
        match = _open_incident_for(ticket, by_place.get((ticket.department_id, ticket.unit_id), ()))
        if match is not None:
            plan.joins[ticket.id] = match
        else:
            free.append(ticket)
    by_unit: dict[tuple, list[SurgeTicket]] = {}
    for ticket in free:
        by_unit.setdefault((ticket.department_id, ticket.unit_id), []).append(ticket)
    for (department_id, unit_id), members in by_unit.items():
        scope = unit_id or department_id
        # The unit's usual rate, all categories together: a text group is a share of all of it.
        usual = sum(level for (key_scope, _category), level in expected.items() if key_scope == scope)
        for group in text_groups(members):
            if any(t.is_new for t in group.members) and _surges(group, members, usual=usual, share=TEXT_SHARE):
                group.category_id = _commonest_category(group.members)
                plan.opens.append(group)
    return plan


def _open_incident_for(ticket: SurgeTicket, incidents: Sequence[OpenIncident]) -> int | None:
    """The open incident of its unit a new ticket matches: by text, else (an incident opened by hand,
    with no words yet) by category."""
    if not ticket.is_new:
        return None
    match, best = None, JOIN_SIMILARITY
    for incident in incidents:
        if incident.keys:
            if (score := similarity(ticket.words, incident.keys)) >= best:
                match, best = incident.id, score
        elif incident.category_id and incident.category_id == ticket.category_id and match is None:
            # Opened by hand with no words to compare: its category is all there is.
            match = incident.id
    return match


def _surges(group: Group, unit_tickets: Sequence[SurgeTicket], *, usual: float, share: float) -> bool:
    """Above the usual: the unit's long-run rate (`usual`, in WINDOW), and its other tickets of the
    same window."""
    window = group.in_window()
    since = max(t.at for t in group.members) - WINDOW
    others = sum(1 for t in unit_tickets if t.at >= since) - len(window)
    return len(window) >= max(MIN_SURGE, SURGE_FACTOR * share * usual, OTHERS_FACTOR * others)
