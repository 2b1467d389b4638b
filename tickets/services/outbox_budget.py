"""The posting budget's gates: what the sender may claim now, given what X said is left of each
account's window and the app's (tickets.posting_budget) and what waits in the outbox.

A kind is held on an account while what is left there would not cover the messages of the kinds
ranked before it (SEND_RANK) that wait there, plus, for acknowledgements, OUTBOX_ACK_RESERVE posts
kept for replies yet to come; the app's 24-hour window likewise, with OUTBOX_APP_ACK_RESERVE.
Officers' replies are never held, only paused when nothing at all is left.

Acknowledgements are also paced over the app's window (OUTBOX_APP_ACK_PACED): they may spend it
no more than an hour ahead of an even pace, so a morning surge cannot leave the evening's citizens
(and the officers' replies to come) nothing, and the acknowledgements the day cannot afford fall
across it instead of on everyone who writes after the window runs dry.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tickets.models import Delivery, MessageKind
from tickets.posting_budget import posting_budget_get, posting_budgets_get
from tickets.services import outbox_sql as sql

# The order in which the posting budget is spent: officers' replies (resolution notices too), then
# incident resolutions, then acknowledgements (DESIGN "Posting budget").
SEND_RANK = (MessageKind.REPLY, MessageKind.INCIDENT_RESOLUTION, MessageKind.ACKNOWLEDGEMENT)
APP_WINDOW = timedelta(hours=24)
# How far ahead of an even pace over the app's window acknowledgements may spend it.
ACK_PACE_LEAD = timedelta(hours=1)


def app_ack_pace_keep(*, limit: int, reset_at: datetime, now: datetime) -> int:
    """Posts of the app's window that acknowledgements leave for the rest of it: the even share of
    the time still to run, less ACK_PACE_LEAD's."""
    still_to_run = min(max(reset_at - now, timedelta(0)), APP_WINDOW)
    return max(0, math.ceil(limit * ((still_to_run - ACK_PACE_LEAD) / APP_WINDOW)))


@dataclass(frozen=True, slots=True)
class BudgetGates:
    """Who may post what now, from what X said is left (tickets.posting_budget) and what waits."""

    # Accounts with nothing left in their window, and when it resets.
    paused: dict[int, datetime] = field(default_factory=dict)
    # Kind -> accounts whose messages of that kind wait: what is left there is for the kinds ranked before.
    held: dict[str, frozenset[int]] = field(default_factory=dict)
    # The app's 24-hour window is spent until then: nothing is posted anywhere.
    app_paused_until: datetime | None = None
    # Kinds held on every account, because the app's window is short.
    held_everywhere: frozenset[str] = frozenset()

    def holds(self, *, account_id: int, kind: str) -> bool:
        return (
            self.app_paused_until is not None
            or account_id in self.paused
            or kind in self.held_everywhere
            or account_id in self.held.get(kind, frozenset())
        )


def _held_kinds(*, remaining: int, waiting: Counter, reserves: dict[str, int]) -> set[str]:
    """The kinds that wait when `remaining` posts are left and `waiting` messages (by kind) want them:
    each kind leaves what the kinds ranked before it need, plus its reserve."""
    held, ahead = set(), 0
    for kind in SEND_RANK:
        if kind != SEND_RANK[0] and remaining <= ahead + reserves.get(kind, 0):
            held.add(kind)
        ahead += waiting[kind]
    return held


def outbox_budget_gates(*, now: datetime | None = None) -> BudgetGates:
    """What the budget lets the sender claim now: one query (what waits, by account and kind) and two
    cache reads (the accounts' windows and the app's). A window X said nothing of counts as full."""
    now = now or timezone.now()
    waiting: dict[int, Counter] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql.WAITING_BY_ACCOUNT_AND_KIND, [Delivery.QUEUED, Delivery.SENDING])
        for account_id, kind, count in cursor.fetchall():
            waiting.setdefault(account_id, Counter())[kind] += count
    paused: dict[int, datetime] = {}
    held: dict[str, set[int]] = {kind: set() for kind in SEND_RANK[1:]}
    reserves = {MessageKind.ACKNOWLEDGEMENT: settings.OUTBOX_ACK_RESERVE}
    for account_id, budget in posting_budgets_get(account_ids=waiting).items():
        if not budget.current(now):
            continue
        if budget.remaining <= 0:
            paused[account_id] = budget.reset_at
            continue
        for kind in _held_kinds(remaining=budget.remaining, waiting=waiting[account_id], reserves=reserves):
            held[kind].add(account_id)
    app = posting_budget_get(account_id=None)
    app_paused_until, held_everywhere = None, set()
    if app is not None and app.current(now):
        if app.remaining <= 0:
            app_paused_until = app.reset_at
        else:
            total = sum(waiting.values(), Counter())
            ack_reserve = settings.OUTBOX_APP_ACK_RESERVE
            if settings.OUTBOX_APP_ACK_PACED:
                ack_reserve += app_ack_pace_keep(limit=app.limit, reset_at=app.reset_at, now=now)
            app_reserves = {MessageKind.ACKNOWLEDGEMENT: ack_reserve}
            held_everywhere = _held_kinds(remaining=app.remaining, waiting=total, reserves=app_reserves)
    return BudgetGates(
        paused=paused,
        held={kind: frozenset(ids) for kind, ids in held.items()},
        app_paused_until=app_paused_until,
        held_everywhere=frozenset(held_everywhere),
    )
