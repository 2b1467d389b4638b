"""Which department and unit a tweet belongs to, and who may answer it.

Order (DESIGN.md, "Route"): a department hashtag (the first in the full text wins); else a
mention of a department's official account (the first wins); else the keyword and place rules
that department admins configure (a place names a unit); else the ministry's triage queue.
The configuration is read once per batch with a fixed number of queries.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from departments.models import Department, Hashtag, OfficialAccount, RoutingRule
from ingestion.normalized import NormalizedTweet
from ingestion.parsing.tweets import _DIGITS_AND_UNDERSCORE, _TAG_OR_MENTION

TRIAGE_CODE = "MOC"


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


class RoutingConfig:
    """A snapshot of departments, hashtags, official accounts and rules, for one batch."""

    def __init__(self) -> None:
        departments = {d.id: d for d in Department.objects.filter(is_active=True)}
        self.departments = departments
        self.department_by_hashtag = {
            tag.lower(): department_id
            for tag, department_id in Hashtag.objects.filter(department__is_active=True).values_list(
                "tag", "department_id"
            )
        }
        accounts = list(OfficialAccount.objects.all())
        self.account_by_user_id = {int(a.x_user_id): a for a in accounts}
        self.account_by_handle = {a.handle.lower(): a for a in accounts}
        self.minister_account = next((a for a in accounts if a.is_minister), None)
        triage = next((d for d in departments.values() if d.code == TRIAGE_CODE), None) or next(
            (d for d in departments.values() if d.parent_id is None), None
        )
        if triage is None:
            raise RuntimeError("No triage department: run seed_demo or create the ministry (MOC).")
        self.triage_id = triage.id

        self.rules_by_pattern: dict[str, list[_Rule]] = {}
        for rule in RoutingRule.objects.filter(is_active=True, department__is_active=True):
            target = departments.get(rule.department_id)
            if target is None:
                continue
            # A rule naming a unit routes to the unit's department and to the unit.
            department_id, unit_id = (target.parent_id, target.id) if target.is_unit else (target.id, None)
            self.rules_by_pattern.setdefault(rule.pattern.lower(), []).append(
                _Rule(department_id, unit_id, rule.priority, rule.id)
            )
        patterns = sorted(self.rules_by_pattern, key=len, reverse=True)  # longest first: "new delhi" over "delhi"
        self.rule_regex = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in patterns) + r")(?!\w)", re.IGNORECASE)
            if patterns
            else None
        )

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

    def _matching_rules(self, text: str) -> list[_Rule]:
        """Rules whose word or phrase the text contains, best first (lowest order, then earliest in text)."""
        if self.rule_regex is None:
            return []
        hits = [
            (rule.priority, match.start(), rule)
            for match in self.rule_regex.finditer(text)
            for rule in self.rules_by_pattern[match.group(1).lower()]
        ]
        hits.sort(key=lambda hit: (hit[0], hit[1], hit[2].rule_id))
        return [rule for _, _, rule in hits]

    def route(self, tweet: NormalizedTweet) -> RouteDecision:
        department_id, route = None, None
        for tag in tweet.hashtags:
            department_id = self.department_by_hashtag.get(tag.lower())
            if department_id is not None:
                route = {"by": "hashtag", "value": tag}
                break
        if department_id is None:
            for account in self._mentioned_accounts(tweet):
                # The minister's account is everyone's: mentioning it names no department.
                if not account.is_minister and account.department_id in self.departments:
                    department_id, route = account.department_id, {"by": "mention", "value": account.handle}
                    break
        rules = self._matching_rules(tweet.text)
        unit_id = None
        if department_id is None and rules:
            best = rules[0]
            department_id, unit_id = best.department_id, best.unit_id
            route = {"by": "rule", "rule_id": best.rule_id}
        elif department_id is not None:
            # The department is known; a place rule below it still names the unit.
            unit_id = next((r.unit_id for r in rules if r.unit_id and r.department_id == department_id), None)
        if department_id is None:
            department_id, route = self.triage_id, {"by": "triage"}
        if unit_id is not None:
            route = {**route, "unit_id": unit_id}
        return RouteDecision(self.departments[department_id], unit_id, route)

    def reply_account_for(self, tweet: NormalizedTweet, *, department_id: int) -> OfficialAccount | None:
        """X lets us reply only from an account the citizen summoned: the department's own if
        mentioned, else the minister's, else any other official account they mentioned."""
        mentioned = self._mentioned_accounts(tweet)
        if not mentioned:
            return None
        department = self.departments.get(department_id)
        own_ids = {department_id, department.parent_id if department and department.is_unit else department_id}
        for account in mentioned:
            if account.department_id in own_ids and not account.is_minister:
                return account
        for account in mentioned:
            if account.is_minister:
                return account
        return mentioned[0]


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
    """The department each unreadable payload belongs to, as far as it can be told; None: the ministry's.

    A payload belongs to a department when its tweet text (read as JSON) names that department's
    hashtag, else mentions its official account, as routing would decide; a payload whose texts
    point at more than one department, or at none, or that is no JSON at all, stays with the ministry
    (its raw text may be anyone's, so no department sees it by guesswork). Two queries at most.
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
    by_tag = by_handle = {}
    if all_tags:
        by_tag = {
            tag.lower(): department_id
            for tag, department_id in Hashtag.objects.filter(department__is_active=True).values_list(
                "tag", "department_id"
            )
            if tag.lower() in all_tags
        }
    if all_handles:
        # The minister's account is everyone's: mentioning it names no department.
        by_handle = {
            handle.lower(): department_id
            for handle, department_id in OfficialAccount.objects.filter(
                is_minister=False, department__is_active=True
            ).values_list("handle", "department_id")
            if handle.lower() in all_handles
        }
    departments: list[int | None] = []
    for per_raw in hints:
        found = set()
        for tags, handles in per_raw:
            department_id = next((by_tag[t] for t in tags if t in by_tag), None)
            if department_id is None:
                department_id = next((by_handle[h] for h in handles if h in by_handle), None)
            if department_id is not None:
                found.add(department_id)
        departments.append(found.pop() if len(found) == 1 else None)
    return departments
