"""What the doors ask X for: one query per department, from its handles and hashtags (X_API.md 3, 4.1).

The recent-search poller and the filtered stream use the same text, so a tweet one door misses the
other catches, and the inbox keeps it once.
"""

import hashlib
from dataclasses import dataclass

from django.db.models.functions import Lower

from departments.models import Hashtag, OfficialAccount

QUERY_MAX_LENGTH = 512  # recent search on self-serve tiers; stream rules allow 1,024 (X_API.md 3, 4.1)
_NOT_RETWEETS = " -is:retweet"  # retweets are never tickets (DESIGN.md, "Route")


@dataclass(frozen=True, slots=True)
class TrackedQuery:
    tag: str  # the department's code; "BSNL-2" for its second query when its terms need more than one
    query: str

    @property
    def key(self) -> str:
        """The name of this query's poll cursor: a hash of its text, so a changed query starts afresh."""
        return hashlib.sha256(self.query.encode()).hexdigest()


def tracked_queries() -> list[TrackedQuery]:
    """One query per active department with a handle or a hashtag, split where it would pass 512 characters.

    Handles come first, then hashtags, each sorted, so the text (and so the cursor) only changes when the
    configuration does.
    """
    terms: dict[str, list[str]] = {}
    accounts = (
        OfficialAccount.objects.filter(department__is_active=True)
        .select_related("department")
        .order_by(Lower("handle"))
    )
    for account in accounts:
        code = account.department.code
        terms.setdefault(code, []).append(f"@{account.handle}")
    hashtags = (
        Hashtag.objects.filter(department__is_active=True)
        .order_by(Lower("tag"))
        .values_list("department__code", "tag")
    )
    for code, tag in hashtags:
        terms.setdefault(code, []).append(f"#{tag}")
    return [
        TrackedQuery(code if number == 0 else f"{code}-{number + 1}", query)
        for code in sorted(terms)
        for number, query in enumerate(_queries_within_limit(terms[code]))
    ]


def _query(terms: list[str]) -> str:
    alternatives = terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"
    return alternatives + _NOT_RETWEETS


def _queries_within_limit(terms: list[str]) -> list[str]:
    """As few queries as hold every term, each at most QUERY_MAX_LENGTH characters."""
    queries, group = [], []
    for term in terms:
        if group and len(_query([*group, term])) > QUERY_MAX_LENGTH:
            queries.append(_query(group))
            group = []
        group.append(term)
    if group:
        queries.append(_query(group))
    return queries
