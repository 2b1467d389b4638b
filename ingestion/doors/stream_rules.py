"""The filtered stream's rules: every tracked term packed within the plan's limits, kept in step with X.

X applies a rule change without a reconnect (X_API.md 4.1), so the consumer changes the rules while the
stream stays connected. `stream_rules_apply` talks only to X (the stream's reader thread calls it too);
the database is read by the caller.
"""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ingestion.doors.x_queries import pack_dense, pack_incremental, query_terms, query_text, tracked_terms
from ingestion.x_client import BadRequest, RulesSync, XClient

logger = logging.getLogger(__name__)

RULE_TAG = "seva"  # ours; X's tags are opaque labels and we route on the tweet itself


def stream_rules_plan(terms: Sequence[str], existing: Sequence[str]) -> list[str]:
    """The rule values to have on X, given the terms to track and the values X has now: at most
    X_STREAM_RULE_MAX_LENGTH characters each, changing as few of `existing` as it can."""
    ours = [parsed for parsed in map(query_terms, existing) if parsed is not None]
    groups = pack_incremental(
        terms, ours, max_length=settings.X_STREAM_RULE_MAX_LENGTH, max_rules=settings.X_STREAM_MAX_RULES
    )
    return [query_text(group) for group in groups]


def stream_rules_apply(client: XClient, terms: Sequence[str]) -> RulesSync:
    """Make X's rules hold every term once: delete the rules that are no longer wanted, then add the new
    ones (X refuses a second rule with an existing value). `errors` are the additions X refused."""
    current = client.get_stream_rules()
    desired = stream_rules_plan(terms, [rule.get("value", "") for rule in current])
    wanted, unchanged, stale = set(desired), [], []
    for rule in current:
        if rule.get("value") in wanted:
            wanted.discard(rule["value"])  # a second rule with the same value is stale
            unchanged.append(rule)
        else:
            stale.append(rule)
    if stale:
        deletion = client.delete_stream_rules(rule["id"] for rule in stale)
        for error in deletion.errors:
            logger.info("X could not delete a stream rule: %s", error)
    kept = {rule["value"] for rule in unchanged}
    missing = [{"value": value, "tag": RULE_TAG} for value in desired if value not in kept]
    added, errors = [], []
    if missing:
        try:
            change = client.add_stream_rules(missing)
        except BadRequest as error:
            # X refuses the whole request when a rule is invalid; its errors[] say which and why.
            added, errors = [], error.errors or [{"title": "BadRequest", "detail": str(error)}]
        else:
            added, errors = change.rules, change.errors
    for error in errors:
        logger.warning("X refused a stream rule: %s: %s", error.get("title", ""), error.get("value", "")[:80])
    return RulesSync(added=added, deleted=stale, unchanged=unchanged, errors=errors)


def stream_rules_needed(terms: Sequence[str]) -> int:
    """The fewest rules that hold `terms` on the plan: what the configuration needs at least."""
    return len(pack_dense(terms, settings.X_STREAM_RULE_MAX_LENGTH))


def stream_rules_shortfall(terms: Sequence[str]) -> str | None:
    """What to do, when the terms need more rules than the plan allows; None when they fit."""
    needed, allowed = stream_rules_needed(terms), settings.X_STREAM_MAX_RULES
    if needed <= allowed:
        return None
    return _(
        "The X filtered stream would need %(needed)d rules of at most %(length)d characters, and the plan "
        "allows %(allowed)d. Remove handles or hashtags no one uses (or deactivate departments), or move to "
        "an X plan with more or longer rules and set X_STREAM_MAX_RULES and X_STREAM_RULE_MAX_LENGTH."
    ) % {"needed": needed, "length": settings.X_STREAM_RULE_MAX_LENGTH, "allowed": allowed}


def stream_rules_change_check(*, adding: str | None, removing: str | None = None, field: str) -> None:
    """Refuse an admin's new or renamed handle or hashtag (`adding`, as "@handle" or "#tag"; `removing`
    the term it replaces) when the configuration would then pass the plan's rule limits: a
    ValidationError on the form's `field`."""
    terms = [term for term in tracked_terms() if removing is None or term.lower() != removing.lower()]
    if adding is None or adding.lower() in {term.lower() for term in terms}:
        return
    if len(query_text([adding])) > settings.X_STREAM_RULE_MAX_LENGTH:
        raise ValidationError(
            {
                field: ngettext(
                    "This is too long for an X stream rule of %(length)d character.",
                    "This is too long for an X stream rule of %(length)d characters.",
                    settings.X_STREAM_RULE_MAX_LENGTH,
                )
                % {"length": settings.X_STREAM_RULE_MAX_LENGTH}
            }
        )
    shortfall = stream_rules_shortfall(sorted([*terms, adding], key=str.lower))
    if shortfall is not None:
        raise ValidationError({field: shortfall})
