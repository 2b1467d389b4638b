"""Route and thread a batch of normalised tweets, then write it: a fixed number of queries per batch.

Tweets are handled in id order (X ids grow with time), against a snapshot of the tickets they can
touch, read in two queries (tickets.snapshots), so a follow-up later in the same batch finds the
ticket opened earlier in it. The caller holds the pipeline lock, so batches never race each other
over a conversation.
"""

import gc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.utils import timezone

from ingestion.models import Outcome
from ingestion.normalized import DeadLetterDraft, NormalizedTweet
from ingestion.routing import RoutingConfig, routing_config_current
from seva.locks import AdvisoryLock, advisory_xact_lock_sql
from tickets.feedback import APPEAL_AT_OR_BELOW, rating_from_text
from tickets.lifecycle import OPEN_STATUSES, REOPEN_WINDOW, Status
from tickets.services.intake import (
    Append,
    Edit,
    FeedbackDraft,
    InboundTweet,
    IntakeBatch,
    NewTicket,
    NewTicketRef,
    intake_apply,
)
from tickets.snapshots import message_snapshots, ticket_snapshots_locked
from tickets.triage.rules import TriageAhead, triage_classify_many

# Batches take turns (a conversation is never threaded by two at once). Their commits need not wait
# for the disk: if PostgreSQL crashed before flushing one, its inbox rows would still be pending
# (they were committed durably by the door) and would simply be processed again.
PIPELINE_LOCK_SQL = (
    f"SELECT {advisory_xact_lock_sql(AdvisoryLock.INGESTION_PIPELINE)}, set_config('synchronous_commit', 'off', true)"
)

TicketRef = int | NewTicketRef


@dataclass(slots=True)
class _TicketState:
    conversation_id: int
    citizen_x_user_id: int | None
    status: str
    resolved_at: datetime | None
    merged_into_id: int | None = None
    department_id: int | None = None
    unit_id: int | None = None
    rated: bool = False  # feedback already given for this resolution


@dataclass(slots=True)
class _KnownTweet:
    ticket: TicketRef
    message_id: int | None  # None: written in this batch
    inbound: InboundTweet | None = None  # this batch's message object, for edits within the batch
    author_x_user_id: int | None = None  # who wrote it: only they may edit it

    @property
    def author(self) -> int | None:
        return self.inbound.author_x_user_id if self.inbound is not None else self.author_x_user_id


@dataclass(slots=True)
class BatchResult:
    outcomes: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # tweet id -> (outcome, ticket id)
    # Tweets refused after parsing (an edit by someone other than the author): the caller stores them.
    dead_letters: list[DeadLetterDraft] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(outcome for outcome, _ in self.outcomes.values())


def _key(ref: TicketRef) -> int | tuple[str, int]:
    return ("new", ref.index) if isinstance(ref, NewTicketRef) else ref


def _inbound(tweet: NormalizedTweet, *, received_at: datetime) -> InboundTweet:
    return InboundTweet(
        tweet_id=tweet.id,
        text=tweet.text,
        author_x_user_id=tweet.author_id,
        author_handle=tweet.author_handle,
        created_at=tweet.created_at or received_at,
        in_reply_to_tweet_id=tweet.in_reply_to_tweet_id,
        language=tweet.lang,
        media=tweet.media,
        previous_tweet_ids=[i for i in tweet.edit_history_ids if i != tweet.id],
    )


class _BatchPlanner:
    def __init__(
        self, tweets: Sequence[NormalizedTweet], config: RoutingConfig, triage_ahead: TriageAhead | None = None
    ) -> None:
        self.config = config
        self.triage_ahead = triage_ahead
        self.now = timezone.now()
        self.batch = IntakeBatch()
        self.known: dict[int, _KnownTweet] = {}
        self.tickets: dict[int | tuple[str, int], _TicketState] = {}
        self.by_conversation: dict[int, list[TicketRef]] = {}
        # The same tickets by (conversation, citizen): a thread can hold thousands of tickets.
        self.by_citizen: dict[tuple[int, int | None], list[TicketRef]] = {}
        self.edits: dict[int, Edit] = {}
        self.outcomes: dict[int, tuple[str, TicketRef | None]] = {}
        self.dead_letters: list[DeadLetterDraft] = []
        self._load(tweets)

    def _load(self, tweets: Sequence[NormalizedTweet]) -> None:
        tweet_ids = {i for t in tweets for i in (t.id, *t.edit_history_ids)}
        tweet_ids |= {t.in_reply_to_tweet_id for t in tweets if t.in_reply_to_tweet_id}
        for message in message_snapshots(tweet_ids=tweet_ids):
            for known_id in (message.tweet_id, *message.previous_tweet_ids):
                if known_id is not None:
                    self.known[known_id] = _KnownTweet(
                        message.ticket_id, message.message_id, author_x_user_id=message.author_x_user_id
                    )
        conversations = {t.conversation_id for t in tweets if t.conversation_id}
        ticket_ids = {k.ticket for k in self.known.values()}
        for ticket in ticket_snapshots_locked(conversation_ids=conversations, ticket_ids=ticket_ids):
            self.tickets[ticket.ticket_id] = _TicketState(
                conversation_id=ticket.conversation_id,
                citizen_x_user_id=ticket.citizen_x_user_id,
                status=ticket.status,
                resolved_at=ticket.resolved_at,
                merged_into_id=ticket.merged_into_id,
                department_id=ticket.department_id,
                unit_id=ticket.unit_id,
                rated=ticket.rated,
            )
            self.by_conversation.setdefault(ticket.conversation_id, []).append(ticket.ticket_id)
            self.by_citizen.setdefault((ticket.conversation_id, ticket.citizen_x_user_id), []).append(ticket.ticket_id)

    # -- decisions ---------------------------------------------------------------------------------

    def _follow_merge(self, ref: TicketRef) -> TicketRef:
        state = self.tickets.get(_key(ref))
        if state is not None and state.merged_into_id and state.merged_into_id in self.tickets:
            return state.merged_into_id
        return ref

    def _citizens_ticket(self, tweet: NormalizedTweet, conversation_id: int, parent: TicketRef | None):
        """The ticket this citizen's tweet belongs to: the one it replies to, else their newest in the thread."""
        if parent is not None and self.tickets[_key(parent)].citizen_x_user_id == tweet.author_id:
            return self._follow_merge(parent)
        mine = self.by_citizen.get((conversation_id, tweet.author_id), [])
        if not mine:
            return None
        open_ones = [ref for ref in mine if self.tickets[_key(ref)].status in OPEN_STATUSES]
        return self._follow_merge((open_ones or mine)[-1])

    def plan(self, tweet: NormalizedTweet) -> None:
        if tweet.id in self.known:
            self.outcomes[tweet.id] = (Outcome.DUPLICATE, self.known[tweet.id].ticket)
            return
        if tweet.is_retweet:
            self.outcomes[tweet.id] = (Outcome.IGNORED, None)
            return
        inbound = _inbound(tweet, received_at=self.now)
        earlier_versions = [(i, self.known[i]) for i in inbound.previous_tweet_ids if i in self.known]
        if earlier_versions:
            # X says who wrote a tweet; only that author's new version is an edit of it. Anyone else
            # naming it in edit_history_tweet_ids is forging an edit: kept aside, the message untouched.
            foreign = [i for i, known in earlier_versions if known.author is None or known.author != tweet.author_id]
            if foreign:
                self._refuse_edit(tweet, foreign, earlier_versions[0][1])
                return
            self._plan_edit(tweet, inbound, earlier_versions[0][1])
            return

        parent = self.known[tweet.in_reply_to_tweet_id].ticket if tweet.in_reply_to_tweet_id in self.known else None
        conversation_id = tweet.conversation_id or (
            self.tickets[_key(parent)].conversation_id if parent is not None else tweet.id
        )
        official = self.config.official_account_of(tweet)
        if official is not None:
            # Our own posts are never tickets; in a ticket's thread they are the department's reply.
            target = parent
            if target is None and self.by_conversation.get(conversation_id):
                target = self.by_conversation[conversation_id][-1]
            if target is None:
                self.outcomes[tweet.id] = (Outcome.IGNORED, None)
                return
            target = self._follow_merge(target)
            self.batch.appends.append(Append(target, inbound, official_account_id=official.id))
            self._remember(tweet, inbound, target)
            self.outcomes[tweet.id] = (Outcome.OFFICIAL_REPLY, target)
            return

        current = self._citizens_ticket(tweet, conversation_id, parent)
        follows = None
        if current is not None:
            state = self.tickets[_key(current)]
            if state.status in OPEN_STATUSES:
                self.batch.appends.append(Append(current, inbound))
                self._remember(tweet, inbound, current)
                self.outcomes[tweet.id] = (Outcome.THREADED, current)
                return
            recently_resolved = bool(
                state.status == Status.RESOLVED
                and state.resolved_at
                and inbound.created_at - state.resolved_at < REOPEN_WINDOW
            )
            rating = rating_from_text(tweet.text) if recently_resolved and not state.rated else None
            if rating is not None and isinstance(current, int):
                # A rating of the resolution is feedback, not a reopening.
                state.rated = True
                appeal_to = self._appeal_target(state, rating[0])
                self.batch.feedback.append(FeedbackDraft(current, inbound, rating[0], rating[1], appeal_to))
                self._remember(tweet, inbound, current)
                self.outcomes[tweet.id] = (Outcome.FEEDBACK, current)
                return
            if recently_resolved:
                state.status, state.resolved_at = Status.REOPENED, None
                self.batch.appends.append(Append(current, inbound, reopen=True))
                self._remember(tweet, inbound, current)
                self.outcomes[tweet.id] = (Outcome.REOPENED, current)
                return
            follows = current if isinstance(current, int) else None
        self._plan_new_ticket(tweet, inbound, conversation_id, follows)

    def _appeal_target(self, state: _TicketState, rating: int) -> int | None:
        """A poor rating appeals to the next level up: the unit's department, else the ministry."""
        if rating > APPEAL_AT_OR_BELOW:
            return None
        if state.unit_id is not None:
            return state.department_id
        department = self.config.departments.get(state.department_id)
        return (department.parent_id if department else None) or self.config.triage_for(state.department_id)

    def _refuse_edit(self, tweet: NormalizedTweet, foreign: list[int], earlier: _KnownTweet) -> None:
        state = self.tickets.get(_key(earlier.ticket))
        names = ", ".join(map(str, foreign))
        self.dead_letters.append(
            DeadLetterDraft(
                # The envelope as the inbox keeps it, keys sorted: the same tweet is the same dead letter.
                raw=orjson.dumps(tweet.envelope, option=orjson.OPT_SORT_KEYS).decode(),
                reason=f"edit refused: tweet {tweet.id} by user {tweet.author_id} names tweet(s) {names} "
                "in edit_history_tweet_ids, but another author wrote them",
                tweet_id=str(tweet.id),
                # The department of the ticket it tried to rewrite: its supervisors see the attempt.
                department_id=state.department_id if state is not None else None,
            )
        )
        self.outcomes[tweet.id] = (Outcome.DEAD, None)

    def _plan_edit(self, tweet: NormalizedTweet, inbound: InboundTweet, earlier: _KnownTweet) -> None:
        if earlier.inbound is not None:
            # The earlier version is being written in this very batch: write the newest text instead,
            # keeping the replaced version's text beside its id.
            replaced = earlier.inbound
            replaced.previous_texts = {
                **inbound.previous_texts,
                **replaced.previous_texts,
                replaced.tweet_id: replaced.text,
            }
            replaced.previous_tweet_ids = sorted(
                {*replaced.previous_tweet_ids, replaced.tweet_id, *inbound.previous_tweet_ids} - {tweet.id}
            )
            replaced.tweet_id, replaced.text = tweet.id, inbound.text
            self.known[tweet.id] = earlier
        else:
            previous = self.edits.get(earlier.message_id)
            if previous is None or previous.tweet.tweet_id < tweet.id:
                if previous is not None:
                    # Two edits of one stored message in a batch: the newest wins, the other's text is kept.
                    inbound.previous_tweet_ids = sorted(
                        {*inbound.previous_tweet_ids, *previous.tweet.previous_tweet_ids, previous.tweet.tweet_id}
                    )
                    inbound.previous_texts = {
                        **previous.tweet.previous_texts,
                        previous.tweet.tweet_id: previous.tweet.text,
                    }
                self.edits[earlier.message_id] = Edit(earlier.message_id, earlier.ticket, inbound)
            else:
                previous.tweet.previous_texts.setdefault(tweet.id, inbound.text)
                previous.tweet.previous_tweet_ids = sorted({*previous.tweet.previous_tweet_ids, tweet.id})
            self.known[tweet.id] = _KnownTweet(
                earlier.ticket, earlier.message_id, author_x_user_id=earlier.author_x_user_id
            )
        self.outcomes[tweet.id] = (Outcome.EDITED, earlier.ticket)

    def _plan_new_ticket(self, tweet, inbound, conversation_id: int, follows: int | None) -> None:
        decision = self.config.route(tweet)
        account = self.config.reply_account_for(tweet, department_id=decision.department.id)
        ref = NewTicketRef(len(self.batch.new_tickets))
        self.batch.new_tickets.append(
            NewTicket(
                department=decision.department,
                unit_id=decision.unit_id,
                conversation_id=conversation_id,
                opening=inbound,
                route=decision.route,
                reply_account_id=account.id if account else None,
                follows_ticket_id=follows,
            )
        )
        self.tickets[_key(ref)] = _TicketState(conversation_id, tweet.author_id, Status.NEW, None)
        self.by_conversation.setdefault(conversation_id, []).append(ref)
        self.by_citizen.setdefault((conversation_id, tweet.author_id), []).append(ref)
        self._remember(tweet, inbound, ref)
        self.outcomes[tweet.id] = (Outcome.CREATED, ref)

    def _remember(self, tweet: NormalizedTweet, inbound: InboundTweet, ref: TicketRef) -> None:
        known = _KnownTweet(ref, None, inbound)
        for tweet_id in (tweet.id, *inbound.previous_tweet_ids):
            self.known[tweet_id] = known

    def _triage(self) -> None:
        """Priority and category of every new ticket, from its opening tweet as last edited in the
        batch, by the rules of its unit (else department) and above: one query for the batch."""
        new = self.batch.new_tickets
        results = triage_classify_many(
            requests=[(t.scope_department_id, t.opening.text) for t in new],
            ahead=self.triage_ahead,
            keys=[t.opening.tweet_id for t in new],
        )
        for ticket, result in zip(new, results, strict=True):
            ticket.priority, ticket.category_id = result.priority, result.category_id
            ticket.triage_rule_id, ticket.triage_reason = result.rule_id, result.reason

    def write(self) -> BatchResult:
        self.batch.edits = list(self.edits.values())
        self._triage()
        intake_apply(batch=self.batch)
        result = BatchResult(dead_letters=self.dead_letters)
        for tweet_id, (outcome, ref) in self.outcomes.items():
            ticket_id = self.batch.new_tickets[ref.index].id if isinstance(ref, NewTicketRef) else ref
            result.outcomes[tweet_id] = (outcome, ticket_id)
        return result


def tweets_process(
    tweets: Sequence[NormalizedTweet], *, config: RoutingConfig | None = None, triage_ahead: TriageAhead | None = None
) -> BatchResult:
    """Turn a batch of tweets into tickets, follow-ups, edits and recorded replies (`triage_ahead`:
    their triage worked out ahead, see triage_classify_many).

    Run inside a transaction that holds the pipeline lock (PIPELINE_LOCK_SQL).
    """
    unique = sorted({t.id: t for t in tweets}.values(), key=lambda t: t.id)
    if not unique:
        return BatchResult()
    with collector_paused():
        planner = _BatchPlanner(unique, config or routing_config_current(), triage_ahead)
        for tweet in unique:
            planner.plan(tweet)
        return planner.write()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a batch is worked: a batch keeps hundreds of thousands
    of objects alive, which its automatic passes traverse again and again (a third of the
    processing's time). What the batch leaves is freed by reference counting; once resumed, the
    collector's next pass finds any cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
