"""What the doors ask X for: every tracked handle and hashtag, packed into as few queries as fit (X_API.md 3, 4.1).

We route a tweet ourselves once it has arrived (`ingestion.routing`), so a query or a stream rule need
not map to a department: terms of every department and ministry share them. Three ways to pack:

* `pack_dense`: the fewest queries; what a configuration needs at least (the admin's and the check's test).
* `pack_incremental`: the stream's rules. It keeps every rule X already has whose terms are all still
  wanted, rewrites only the rules that lost a term, and puts new terms into a rule with room (else a new
  one), so one added or removed term changes one rule, not all of them.
* `pack_stable`: recent search. A query's text names its poll cursor, so a text that changes loses its
  `since_id`; boundaries fall where a term's hash says (content-defined chunking), so adding or removing a
  term changes only the queries around it, with no state to read.
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from departments.models import Hashtag, OfficialAccount

SEARCH_QUERY_MAX_LENGTH = 512  # recent search on self-serve tiers (X_API.md 3)
NOT_RETWEETS = " -is:retweet"  # retweets are never tickets (DESIGN.md, "Route")
_OR = " OR "
# pack_stable's boundaries assume terms of about this many characters, so where they fall depends on no
# term but the one at the boundary; a constant, never measured from the data.
_STABLE_TERM_CHARS = 16
_STABLE_SPREAD = 0.3  # past half full, a boundary about every 0.3 of a full query's terms: ~75 % full


@dataclass(frozen=True, slots=True)
class TrackedQuery:
    tag: str  # its first term, for people reading logs and the poll_search output
    query: str

    @property
    def key(self) -> str:
        """The name of this query's poll cursor: a hash of its text, so a changed query starts afresh."""
        return hashlib.sha256(self.query.encode()).hexdigest()


def tracked_terms() -> list[str]:
    """`@handle` of every official account and `#tag` of every hashtag of an active department, sorted
    case-insensitively (so texts only change when the configuration does)."""
    handles = OfficialAccount.objects.filter(department__is_active=True).values_list("handle", flat=True)
    tags = Hashtag.objects.filter(department__is_active=True).values_list("tag", flat=True)
    return sorted([*(f"@{handle}" for handle in handles), *(f"#{tag}" for tag in tags)], key=_term_order)


_FINGERPRINT_SQL = """
SELECT md5(coalesce(string_agg(term, ' ' ORDER BY term), '')) FROM (
    SELECT '@' || a.handle AS term FROM departments_officialaccount a
    JOIN departments_department d ON d.id = a.department_id WHERE d.is_active
    UNION ALL
    SELECT '#' || h.tag FROM departments_hashtag h
    JOIN departments_department d ON d.id = h.department_id WHERE d.is_active
) terms
"""


def tracked_terms_fingerprint() -> str:
    """A hash of `tracked_terms()` in one query: the stream consumer reads it every few seconds to see
    whether an admin changed a handle or a hashtag."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL)
        return cursor.fetchone()[0]


def tracked_queries() -> list[TrackedQuery]:
    """The recent-search queries: every tracked term, in queries of at most 512 characters."""
    return [
        TrackedQuery(group[0], query_text(group)) for group in pack_stable(tracked_terms(), SEARCH_QUERY_MAX_LENGTH)
    ]


def query_text(terms: Sequence[str]) -> str:
    alternatives = terms[0] if len(terms) == 1 else "(" + _OR.join(terms) + ")"
    return alternatives + NOT_RETWEETS


def query_terms(text: str) -> list[str] | None:
    """The terms of a query `query_text` made; None for any other text (a rule someone else added)."""
    if not text.endswith(NOT_RETWEETS):
        return None
    body = text.removesuffix(NOT_RETWEETS)
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    terms = body.split(_OR)
    if not all(term[:1] in ("@", "#") and len(term) > 1 and " " not in term and "(" not in term for term in terms):
        return None
    return terms


def query_length(terms: Sequence[str]) -> int:
    return len(query_text(terms))


def _length_of(characters: int, count: int) -> int:
    """query_length of `count` terms of `characters` characters in all, without building the text."""
    return characters + len(_OR) * (count - 1) + (2 if count > 1 else 0) + len(NOT_RETWEETS)


def _term_order(term: str) -> tuple[str, str]:
    return term.lower(), term


def pack_dense(terms: Iterable[str], max_length: int) -> list[list[str]]:
    """As few queries as hold every term (in order), each at most `max_length` characters."""
    groups: list[list[str]] = []
    group: list[str] = []
    characters = 0
    for term in terms:
        if group and _length_of(characters + len(term), len(group) + 1) > max_length:
            groups.append(group)
            group, characters = [], 0
        group.append(term)
        characters += len(term)
    if group:
        groups.append(group)
    return groups


def pack_stable(terms: Iterable[str], max_length: int) -> list[list[str]]:
    """Queries of at most `max_length` characters. Once a query is half full, a term whose hash picks it
    (about one in `every`) starts the next; so does a term that would not fit. A change moves only the
    boundaries up to the next picked term: the queries after it keep their texts (and cursors)."""
    full = max(1, (max_length - len(NOT_RETWEETS) - 2) // (_STABLE_TERM_CHARS + len(_OR)))
    every = max(1, round(full * _STABLE_SPREAD))
    half = max_length // 2
    groups: list[list[str]] = []
    group: list[str] = []
    characters = 0
    for term in terms:
        picked = int.from_bytes(hashlib.blake2b(term.lower().encode(), digest_size=8).digest()) % every == 0
        grown = _length_of(characters + len(term), len(group) + 1)
        if group and (grown > max_length or (picked and _length_of(characters, len(group)) >= half)):
            groups.append(group)
            group, characters = [], 0
        group.append(term)
        characters += len(term)
    if group:
        groups.append(group)
    return groups


def pack_incremental(
    terms: Iterable[str], existing: Sequence[Sequence[str]], *, max_length: int, max_rules: int
) -> list[list[str]]:
    """Rules holding every term once: `existing` rules kept where all their terms are still wanted, the
    others rewritten without the terms that went, new terms put in the fullest rule they fit (a rewritten
    one first, since it changes anyway). Packed afresh when that would need more than `max_rules`."""
    wanted = list(dict.fromkeys(terms))
    if not existing:
        return pack_dense(wanted, max_length)
    wanted_set = set(wanted)
    claimed: set[str] = set()
    kept: list[list[str]] = []
    rewritten: list[list[str]] = []
    for rule in existing:
        live = [term for term in dict.fromkeys(rule) if term in wanted_set and term not in claimed]
        claimed |= set(live)
        if not live:
            continue
        if len(live) == len(rule) and query_length(rule) <= max_length:
            kept.append(list(rule))
        else:
            rewritten.append(live)
    rewritten = [group for live in rewritten for group in pack_dense(live, max_length)]
    characters = {id(rule): sum(map(len, rule)) for rule in [*kept, *rewritten]}
    for term in (term for term in wanted if term not in claimed):
        target = _best_fit(rewritten, characters, term, max_length)
        if target is None and (target := _best_fit(kept, characters, term, max_length)) is not None:
            kept.remove(target)
            rewritten.append(target)
        if target is None:
            target = []
            rewritten.append(target)
            characters[id(target)] = 0
        target.append(term)
        characters[id(target)] += len(term)
    rules = kept + rewritten
    if len(rules) > max_rules:
        return pack_dense(wanted, max_length)
    return rules


def _best_fit(rules: list[list[str]], characters: dict[int, int], term: str, max_length: int) -> list[str] | None:
    """The fullest of `rules` that still has room for `term`."""
    best, best_characters = None, -1
    for rule in rules:
        used = characters[id(rule)]
        if used > best_characters and _length_of(used + len(term), len(rule) + 1) <= max_length:
            best, best_characters = rule, used
    return best
