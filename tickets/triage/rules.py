"""Which triage rules govern a ticket, and what they make of its text.

A ticket is governed by the rules of its unit (else its department) and of every department
above it, so a ministry's rules reach every ticket and a circle can add its own. The rules of a
whole batch are read in one query (the tree walked in SQL), whatever the batch's size; the cues
and matchers built from them are kept per process by the rules' content, so an edited rule is
simply new content: nothing needs clearing, and the next batch uses it.

Several rules may match: the highest priority wins (P1 over P4); between rules of one priority,
the one of the nearest department, then the oldest (lowest id). No match: P3, no category
(served as "other").
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection

from departments.tree import ancestors_cte
from tickets.lifecycle import Priority
from tickets.triage.matching import Cue, CueMatcher, PreparedText, text_prepare

# The reason column's length (Ticket.triage_reason).
REASON_MAX_LENGTH = 300
DEFAULT_PRIORITY = Priority.P3

# Each governed department (origin) with every active rule of its chain, nearest first.
_RULES_SQL = f"""
WITH RECURSIVE {ancestors_cte("chain", ids="%(ids)s")}
SELECT chain.origin, chain.depth, r.id, r.name, r.cues, r.priority, r.category_id
  FROM chain JOIN tickets_triagerule r ON r.department_id = chain.id
 WHERE r.is_active
 ORDER BY chain.origin, chain.depth, r.id
"""  # noqa: S608 - constant text; values are parameters  # nosec B608


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: int
    name: str
    cues: str
    priority: str
    category_id: str


@dataclass(frozen=True, slots=True)
class TriageResult:
    priority: str
    category_id: str | None
    rule_id: int | None
    reason: str


UNMATCHED = TriageResult(priority=DEFAULT_PRIORITY, category_id=None, rule_id=None, reason="")


def cue_phrases(cues: str) -> list[str]:
    """A rule's cues, one per line, blank lines and surrounding spaces dropped."""
    return [line.strip() for line in cues.splitlines() if line.strip()]


def triage_reason(*, priority: str, name: str, phrase: str = "") -> str:
    """ "P1: Money deducted (“paise kat gaye”)": what the ticket shows as why."""
    reason = f"{priority.upper()}: {name}" + (f" (“{phrase}”)" if phrase else "")
    return reason[:REASON_MAX_LENGTH]


# What this process has built, by the rules' content: each rule's cues (normalising a cue is the
# costly part), and the matchers of the few rule sets batches bring (one per mix of departments).
_CUES: dict[RuleSpec, tuple[Cue, ...]] = {}
_CUES_KEPT = 10_000
_MATCHERS: dict[tuple[RuleSpec, ...], CueMatcher] = {}
_MATCHERS_KEPT = 64


def _cues(rule: RuleSpec) -> tuple[Cue, ...]:
    cues = _CUES.get(rule)
    if cues is None:
        if len(_CUES) >= _CUES_KEPT:
            _CUES.clear()
        cues = _CUES[rule] = tuple(Cue(phrase, rule.id) for phrase in cue_phrases(rule.cues))
    return cues


def _matcher(rules: tuple[RuleSpec, ...]) -> CueMatcher:
    matcher = _MATCHERS.get(rules)
    if matcher is None:
        if len(_MATCHERS) >= _MATCHERS_KEPT:
            _MATCHERS.clear()
        matcher = _MATCHERS[rules] = CueMatcher([cue for rule in rules for cue in _cues(rule)])
    return matcher


def _shown_cue(cues: list[Cue], prepared: PreparedText) -> str:
    """The cue to show as why: one the text spells as the cue does (its script), else the first."""
    words = f" {' '.join(prepared.words)} "
    return next((cue.phrase for cue in cues if f" {' '.join(cue.words)}" in words), cues[0].phrase)


class TriageRuleSet:
    """The rules governing some departments (units), ready to classify their tickets' texts."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        rules: dict[int, RuleSpec] = {}
        # origin -> {rule id: depth}: which rules govern a department, and how near each is.
        self.depth_by_origin: dict[int, dict[int, int]] = {}
        for origin, depth, rule_id, name, cues, priority, category_id in rows:
            rules[rule_id] = RuleSpec(rule_id, name, cues, priority, category_id)
            self.depth_by_origin.setdefault(origin, {}).setdefault(rule_id, depth)
        self.rules = rules
        self.matcher = _matcher(tuple(rules[rule_id] for rule_id in sorted(rules)))

    def governing_rules(self, department_id: int) -> tuple:
        """The rules governing `department_id`, each with its depth: equal only for the same rules."""
        governing = self.depth_by_origin.get(department_id, {})
        return tuple((self.rules[rule_id], depth) for rule_id, depth in sorted(governing.items()))

    def classify(self, *, department_id: int, text: str | PreparedText) -> TriageResult:
        """The priority, category and reason the rules governing `department_id` give `text`."""
        governing = self.depth_by_origin.get(department_id)
        if not governing:
            return UNMATCHED
        prepared = text_prepare(text) if isinstance(text, str) else text
        best: tuple | None = None
        matched_cues: dict[int, list[Cue]] = {}
        for cue in self.matcher.matches(prepared):
            depth = governing.get(cue.value)
            if depth is None:
                continue
            matched_cues.setdefault(cue.value, []).append(cue)
            rule = self.rules[cue.value]
            rank = (rule.priority, depth, rule.id)
            if best is None or rank < best[0]:
                best = (rank, rule)
        if best is None:
            return UNMATCHED
        _, rule = best
        phrase = _shown_cue(matched_cues[rule.id], prepared)
        return TriageResult(
            priority=rule.priority,
            category_id=rule.category_id,
            rule_id=rule.id,
            reason=triage_reason(priority=rule.priority, name=rule.name, phrase=phrase),
        )


def triage_rules_for(*, department_ids: Iterable[int]) -> TriageRuleSet:
    """The active rules governing each of `department_ids` (a ticket's unit, else its department),
    with their ancestors' rules: one query, however many departments and rules."""
    ids = sorted(set(department_ids))
    if not ids:
        return TriageRuleSet(())
    with connection.cursor() as cursor:
        cursor.execute(_RULES_SQL, {"ids": ids})
        return TriageRuleSet(cursor.fetchall())


def triage_classify_many(
    *, requests: Sequence[tuple[int, str]], ahead: "TriageAhead | None" = None, keys: Sequence[int] = ()
) -> list[TriageResult]:
    """For each (department id, text), what the governing rules make of it; one query in all.

    With `ahead` (and each request's key in `keys`): a result worked out ahead for the same key and
    department is taken instead, where the rules governing that department are still the ones it
    was worked out by."""
    rule_set = triage_rules_for(department_ids=(department_id for department_id, _ in requests))
    results = []
    for index, (department_id, text) in enumerate(requests):
        found = ahead.result_for(keys[index], department_id, rule_set) if ahead is not None else None
        results.append(found or rule_set.classify(department_id=department_id, text=text_prepare(text)))
    return results


@dataclass(slots=True)
class TriageAhead:
    """Classifications worked out ahead (file ingestion's parsing process does, for each tweet it
    routes), by a key of the caller's (a tweet id): (department id, result), and the rules that
    governed each department then, so that a rule changed meanwhile is noticed and classified afresh."""

    results: dict[int, tuple[int, TriageResult]]
    governing: dict[int, tuple]
    # Department id -> whether `rule_set` governs it by the rules it was classified by; for one rule set.
    _unchanged: dict[int, bool] = field(default_factory=dict, repr=False, compare=False)
    _checked_against: TriageRuleSet | None = field(default=None, repr=False, compare=False)

    def result_for(self, key: int, department_id: int, rule_set: TriageRuleSet) -> TriageResult | None:
        """The result worked out ahead for `key` in `department_id`, if `rule_set` still governs
        that department by the same rules; else None."""
        found = self.results.get(key)
        if found is None or found[0] != department_id:
            return None
        if rule_set is not self._checked_against:
            self._unchanged, self._checked_against = {}, rule_set
        unchanged = self._unchanged.get(department_id)
        if unchanged is None:
            now_governing = rule_set.governing_rules(department_id)
            unchanged = self._unchanged[department_id] = self.governing.get(department_id) == now_governing
        return found[1] if unchanged else None


def triage_classify_ahead(*, requests: Sequence[tuple[int, int, str]]) -> TriageAhead:
    """For each (key, department id, text), the classification triage_classify_many would give now."""
    rule_set = triage_rules_for(department_ids=(department_id for _, department_id, _ in requests))
    results = {
        key: (department_id, rule_set.classify(department_id=department_id, text=text_prepare(text)))
        for key, department_id, text in requests
    }
    departments = {department_id for department_id, _ in results.values()}
    return TriageAhead(results=results, governing={d: rule_set.governing_rules(d) for d in departments})
