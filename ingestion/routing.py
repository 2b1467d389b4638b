"""Which department and unit a tweet belongs to, and who may answer it.

Order (DESIGN.md, "Route"): a department hashtag (the first in the full text wins); else a
mention of a department's official account (the first wins); else the keyword and place rules
that department admins configure (a place names a unit); else the ministry's triage queue.

Each root of the department tree is a ministry, and its triage queue is the root itself. A tweet
is addressed to the ministry of the department its hashtag or mention names, else to that of the
first minister's account it mentions; keyword and place rules then route only within that
ministry (a tweet to @RailMinIndia saying "broadband down" stays with Railways). A tweet that names
no ministry at all is routed by the best rule of any ministry (lowest order, earliest in the text,
then the oldest rule), else it goes to the triage of the oldest ministry (lowest id): the same
tweet always lands in the same place.
The configuration is read once per batch with a fixed number of queries.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson
from django.db import connection

from departments.models import Department, Hashtag, OfficialAccount, RoutingRule
from ingestion.normalized import NormalizedTweet
from ingestion.parsing.tweets import _DIGITS_AND_UNDERSCORE, _TAG_OR_MENTION


@dataclass(frozen=True, slots=True)
class RouteDecision:
    department: Department
    unit_id: int | None
    route: dict  # for the audit event: how the department was chosen


@dataclass(frozen=True, slots=True)
class _Rule:
    department_id: int  # the department (a unit's parent) the rule routes to
    unit_id: int | None
    priority: int
    rule_id: int


def _ministries_of(departments: dict[int, Department]) -> dict[int, int]:
    """{department id: the id of its ministry (the root above it)}, walked in memory; a department
    under an inactive parent is left out, as routing never sends a tweet there."""
    ministry_of: dict[int, int] = {}
    for department_id in departments:
        path, current = [], department_id
        while current not in ministry_of:
            department = departments.get(current)
            if department is None:
                break
            path.append(current)
            if department.parent_id is None:
                ministry_of[current] = current
                break
            current = department.parent_id
        root = ministry_of.get(current)
        if root is not None:
            for visited in path:
                ministry_of[visited] = root
    return ministry_of


def _rule_regex(patterns: Iterable[str]) -> re.Pattern | None:
    ordered = sorted(patterns, key=len, reverse=True)  # longest first: "new delhi" over "delhi"
    if not ordered:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in ordered) + r")(?!\w)", re.IGNORECASE)


class _RuleSet:
    """The keyword and place rules of one ministry (or of all, for a tweet that names none)."""

    __slots__ = ("by_pattern", "regex")

    def __init__(self, by_pattern: dict[str, list[_Rule]]) -> None:
        self.by_pattern = by_pattern
        self.regex = _rule_regex(by_pattern)

    def matching(self, text: str) -> list[_Rule]:
        """Rules whose word or phrase the text contains, best first (lowest order, then earliest in text)."""
        if self.regex is None:
            return []
        hits = [
            (rule.priority, match.start(), rule)
            for match in self.regex.finditer(text)
            for rule in self.by_pattern[match.group(1).lower()]
        ]
        hits.sort(key=lambda hit: (hit[0], hit[1], hit[2].rule_id))
        return [rule for _, _, rule in hits]


class RoutingConfig:
    """A snapshot of departments, hashtags, official accounts and rules, for one batch."""

    def __init__(self) -> None:
        departments = {d.id: d for d in Department.objects.filter(is_active=True)}
        self.ministry_of = _ministries_of(departments)
        # Only departments that reach an active ministry can take tickets.
        self.departments = {pk: d for pk, d in departments.items() if pk in self.ministry_of}
        self.department_by_hashtag = {
            tag.lower(): department_id
            for tag, department_id in Hashtag.objects.filter(department__is_active=True).values_list(
                "tag", "department_id"
            )
            if department_id in self.departments
        }
        accounts = list(OfficialAccount.objects.all())
        self.account_by_user_id = {int(a.x_user_id): a for a in accounts}
        self.account_by_handle = {a.handle.lower(): a for a in accounts}
        ministries = sorted(pk for pk, d in self.departments.items() if d.parent_id is None)
        if not ministries:
            raise RuntimeError("No ministry: run seed_demo or create a root department (its triage queue).")
        # A tweet that names no ministry goes to the oldest one's triage (see the module's docstring).
        self.triage_id = ministries[0]

        by_ministry: dict[int, dict[str, list[_Rule]]] = {}
        everyone: dict[str, list[_Rule]] = {}
        for rule in RoutingRule.objects.filter(is_active=True, department__is_active=True).order_by("id"):
            target = self.departments.get(rule.department_id)
            if target is None:
                continue
            # A rule naming a unit routes to the unit's department and to the unit.
            department_id, unit_id = (target.parent_id, target.id) if target.is_unit else (target.id, None)
            entry = _Rule(department_id, unit_id, rule.priority, rule.id)
            pattern = rule.pattern.lower()
            by_ministry.setdefault(self.ministry_of[target.id], {}).setdefault(pattern, []).append(entry)
            everyone.setdefault(pattern, []).append(entry)
        self._rules_of_ministry = {ministry: _RuleSet(rules) for ministry, rules in by_ministry.items()}
        self._no_rules = _RuleSet({})
        self._everyone = everyone
        self._all_rules: _RuleSet | None = None  # compiled on the first tweet that names no ministry
        self._routed_ahead: dict[int, RouteDecision] = {}  # tweet id -> decision (route_fields_take)

    def triage_for(self, department_id: int | None) -> int:
        """The triage queue (the ministry's root) of `department_id`'s ministry; the oldest
        ministry's for None or a department that routes nowhere."""
        return self.ministry_of.get(department_id, self.triage_id) if department_id is not None else self.triage_id

    def official_account_of(self, tweet: NormalizedTweet) -> OfficialAccount | None:
        """The tracked official account that wrote this tweet, if one did."""
        if tweet.author_id is not None and tweet.author_id in self.account_by_user_id:
            return self.account_by_user_id[tweet.author_id]
        if tweet.author_handle:
            return self.account_by_handle.get(tweet.author_handle.lower())
        return None

    def _mentioned_accounts(self, tweet: NormalizedTweet) -> list[OfficialAccount]:
        found = []
        for mention in tweet.mentions:
            account = (self.account_by_user_id.get(mention.user_id) if mention.user_id else None) or (
                self.account_by_handle.get(mention.username.lower())
            )
            if account is not None and account not in found:
                found.append(account)
        return found

    def _matching_rules(self, text: str, *, ministry_id: int | None = None) -> list[_Rule]:
        """The rules of `ministry_id` (of every ministry for None) the text matches, best first."""
        if ministry_id is not None:
            return self._rules_of_ministry.get(ministry_id, self._no_rules).matching(text)
        if self._all_rules is None:
            self._all_rules = _RuleSet(self._everyone)
        return self._all_rules.matching(text)

    def route_fields_ahead(self, tweets: Iterable[NormalizedTweet]) -> dict[int, tuple]:
        """Each tweet's route as plain values (department id, unit id, how), for another process's
        config to take (route_fields_take): file ingestion routes in its parsing process."""
        fields = {}
        for tweet in tweets:
            if not tweet.is_retweet:
                decision = self._route(tweet)
                fields[tweet.id] = (decision.department.id, decision.unit_id, decision.route)
        return fields

    def route_fields_take(self, fields: dict[int, tuple]) -> None:
        """Keep routes worked out ahead, for route() to answer from; one batch's at a time."""
        self._routed_ahead = {
            tweet_id: RouteDecision(self.departments[department_id], unit_id, route)
            for tweet_id, (department_id, unit_id, route) in fields.items()
            if department_id in self.departments
        }

    def route(self, tweet: NormalizedTweet) -> RouteDecision:
        decision = self._routed_ahead.pop(tweet.id, None)
        return decision if decision is not None else self._route(tweet)

    def _route(self, tweet: NormalizedTweet) -> RouteDecision:
        department_id, route = None, None
        for tag in tweet.hashtags:
            department_id = self.department_by_hashtag.get(tag.lower())
            if department_id is not None:
                route = {"by": "hashtag", "value": tag}
                break
        mentioned = self._mentioned_accounts(tweet) if department_id is None else ()
        for account in mentioned:
            # A minister's account is their whole ministry's: mentioning it names no department.
            if not account.is_minister and account.department_id in self.departments:
                department_id, route = account.department_id, {"by": "mention", "value": account.handle}
                break
        if department_id is not None:
            ministry_id = self.ministry_of[department_id]
        else:
            ministry_id = next(
                (
                    self.ministry_of[account.department_id]
                    for account in mentioned
                    if account.is_minister and account.department_id in self.ministry_of
                ),
                None,
            )
        rules = self._matching_rules(tweet.text, ministry_id=ministry_id)
        unit_id = None
        if department_id is None and rules:
            best = rules[0]
            department_id, unit_id = best.department_id, best.unit_id
            route = {"by": "rule", "rule_id": best.rule_id}
        elif department_id is not None:
            # The department is known; a place rule below it still names the unit.
            unit_id = next((r.unit_id for r in rules if r.unit_id and r.department_id == department_id), None)
        if department_id is None:
            department_id, route = ministry_id if ministry_id is not None else self.triage_id, {"by": "triage"}
        if unit_id is not None:
            route = {**route, "unit_id": unit_id}
        return RouteDecision(self.departments[department_id], unit_id, route)

    def reply_account_for(self, tweet: NormalizedTweet, *, department_id: int) -> OfficialAccount | None:
        """X lets us reply only from an account the citizen summoned: the department's own if
        mentioned, else its ministry's minister, else any other official account of its ministry
        they mentioned (never another ministry's: its staff do not answer for it)."""
        mentioned = self._mentioned_accounts(tweet)
        if not mentioned:
            return None
        department = self.departments.get(department_id)
        own_ids = {department_id, department.parent_id if department and department.is_unit else department_id}
        ministry_id = self.ministry_of.get(department_id)
        ours = [account for account in mentioned if self.ministry_of.get(account.department_id) == ministry_id]
        for account in ours:
            if account.department_id in own_ids and not account.is_minister:
                return account
        for account in ours:
            if account.is_minister:
                return account
        return ours[0] if ours else None


# Every row routing reads, whole: any change to a department, hashtag, official account or rule
# changes it. One query of a few milliseconds at 2,000 departments and 3,000 accounts, where
# building the configuration takes about 160 ms (bench/scale.py).
_ROUTING_FINGERPRINT_SQL = """
SELECT md5(concat_ws('|',
    (SELECT string_agg(d::text, ',' ORDER BY d.id) FROM departments_department d),
    (SELECT string_agg(h::text, ',' ORDER BY h.id) FROM departments_hashtag h),
    (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM departments_officialaccount a),
    (SELECT string_agg(r::text, ',' ORDER BY r.id) FROM departments_routingrule r)))
"""
_current_config: dict[str, RoutingConfig] = {}  # fingerprint -> configuration; one entry at most


def routing_config_current() -> RoutingConfig:
    """The routing configuration as the database has it now: the one built for an earlier batch of
    this process while nothing it reads has changed, else a new one."""
    with connection.cursor() as cursor:
        cursor.execute(_ROUTING_FINGERPRINT_SQL)
        (fingerprint,) = cursor.fetchone()
    config = _current_config.get(fingerprint)
    if config is None:
        config = RoutingConfig()
        _current_config.clear()
        _current_config[fingerprint] = config
    return config


# Where a payload that failed to parse may still carry a tweet's own text; the skipped keys hold
# other people's words (profiles, quoted and referenced tweets, stream rules), which route nothing.
_TEXT_KEYS = frozenset({"text", "full_text"})
_NOT_THE_TWEET = frozenset(
    {"includes", "users", "user", "tweets", "quoted_status", "retweeted_status", "referenced_tweets", "matching_rules"}
)
_WALK_DEPTH = 12


def _tweet_texts(node: object, texts: list[str], depth: int = 0) -> None:
    if depth > _WALK_DEPTH:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _NOT_THE_TWEET:
                continue
            if key in _TEXT_KEYS and isinstance(value, str):
                texts.append(value)
            else:
                _tweet_texts(value, texts, depth + 1)
    elif isinstance(node, list):
        for item in node:
            _tweet_texts(item, texts, depth + 1)


def _tags_and_handles(text: str) -> tuple[list[str], list[str]]:
    tags, handles = [], []
    for match in _TAG_OR_MENTION.finditer(text):
        if match.group(1) is not None:
            if match.group(1).strip(_DIGITS_AND_UNDERSCORE):
                tags.append(match.group(1).lower())
        else:
            handles.append(match.group(2).lower())
    return tags, handles


def dead_letter_departments(raws: Sequence[str]) -> list[int | None]:
    """The department each unreadable payload belongs to, as far as it can be told; None: nobody's
    but a superuser's.

    A payload belongs to a department when its tweet text (read as JSON) names that department's
    hashtag, else mentions its official account, else mentions a minister's account (then it is the
    minister's ministry's, filed where the account is), as routing would decide; a payload whose
    texts point at more than one department, or at none, or that is no JSON at all, belongs to no
    ministry (its raw text may be anyone's, so no ministry sees it by guesswork). Two queries at most.
    """
    hints: list[list[tuple[list[str], list[str]]]] = []
    for raw in raws:
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            hints.append([])
            continue
        texts: list[str] = []
        _tweet_texts(document, texts)
        hints.append([_tags_and_handles(text) for text in texts])
    all_tags = {tag for per_raw in hints for tags, _ in per_raw for tag in tags}
    all_handles = {handle for per_raw in hints for _, handles in per_raw for handle in handles}
    by_tag = by_handle = by_minister = {}
    if all_tags:
        by_tag = {
            tag.lower(): department_id
            for tag, department_id in Hashtag.objects.filter(department__is_active=True).values_list(
                "tag", "department_id"
            )
            if tag.lower() in all_tags
        }
    if all_handles:
        by_handle, by_minister = {}, {}
        for handle, department_id, is_minister in OfficialAccount.objects.filter(
            department__is_active=True
        ).values_list("handle", "department_id", "is_minister"):
            if handle.lower() in all_handles:
                # A minister's account names a ministry, not a department: it counts after the others.
                (by_minister if is_minister else by_handle)[handle.lower()] = department_id
    departments: list[int | None] = []
    for per_raw in hints:
        found = set()
        for tags, handles in per_raw:
            department_id = next((by_tag[t] for t in tags if t in by_tag), None)
            if department_id is None:
                department_id = next((by_handle[h] for h in handles if h in by_handle), None)
            if department_id is None:
                department_id = next((by_minister[h] for h in handles if h in by_minister), None)
            if department_id is not None:
                found.add(department_id)
        departments.append(found.pop() if len(found) == 1 else None)
    return departments
