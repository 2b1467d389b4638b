"""Events on a ticket, from its opening tweet to the citizen's rating. Each is written on the ticket
(`ticket_id`); `actor_id` is the officer who acted, None for the system (ingestion, the sweeps,
the sender).

Kind (builder): stored keys, and what they mean. `[key]` is stored only when it applies.

- created (ticket_created_event): number; tweet_id (the opening tweet); route (how ingestion
  routed it, {"by": "hashtag" | "mention" | "rule" | "triage", "value": ...}); acknowledgement
  ("queued", or "manual reply needed" when no official account was summoned); [follows_ticket_id]
  (the closed ticket this one follows); priority (p1-p4) and category (a code, None: "other")
  as triage gave them; triage_reason (the matching rule and cue, "" when none matched).
- triage_changed (ticket_triage_changed_event): from_priority, to_priority; from_category,
  to_category (codes, None: "other"); reason (the officer's).
- threaded, reopened, official_reply (ticket_threaded_event, ticket_reopened_by_citizen_event,
  ticket_official_reply_seen_event): tweet_id, the tweet that joined the ticket.
- edited (ticket_edited_event): tweet_id (the new version); previous_tweet_ids (every earlier
  version X names); previous_tweet_id and previous_text (the version this edit replaced on the
  ticket: None and "" when it was not stored).
- assigned (ticket_assigned_event): how ("claim", "assign", "take_next", "auto"); [assignee] (the
  username; not stored by auto-assignment); assignee_id; previous_assignee_id; from and to, the
  ticket's status before and after.
- status_changed, reopened (ticket_status_changed_event): from and to, statuses;
  [previous_assignee_id] (to `new`: whom the ticket was taken from); [assignee_id] (an unowned
  ticket taken up by the actor); [note] (the resolution note, rejection reason or comment);
  [reason] (why the system changed it); [citizen_told] ({message_ids, delivery} of what the citizen
  was sent, on resolving).
- replied (ticket_replied_event): message_ids and delivery of the queued reply (its first post's
  delivery); [canned_response_id].
- reply_sent, reply_failed (reply_sent_event, reply_failed_event): message_id; kind (the message's);
  part and parts (of its thread); from (the official account's handle, "" for none); attempts. Sent
  adds tweet_id (the post) and [reconciled] (found on X after the sender lost track),
  [replaced_echo_message_id] (our post's copy that ingestion had recorded). Failed adds error and
  [tweet_id] (the post another message holds: a duplicate), [permanent] (X refused it for good, or
  it ran out of attempts), [abandoned_message_ids] (the thread's later parts, failed with it).
- ack_dropped (ack_dropped_event): message_id; kind; part and parts; from (as reply_sent); reason
  ("answered": an officer's reply or an incident's resolution is queued or sent, or the department
  answered on X; "closed": the ticket is resolved, closed, rejected or merged; "acknowledged": the
  citizen was acknowledged in this conversation already); [acknowledged_by_message_id] (that
  acknowledgement). The acknowledgement is never sent.
- note (ticket_note_event): note_id.
- transferred (ticket_transferred_event): from and to, department codes; from_unit (a unit code or
  None); reason; previous_status; previous_assignee_id; previous_escalation_level;
  citizen_told ({message_ids} of what the citizen was told).
- escalated (ticket_escalated_event): escalation_id; level (1-3); reason ("sla" or "appeal");
  notify_department (code); target_due_at (the target passed, or None).
- escalation_ack (escalation_acknowledged_event): escalation_id, level, reason.
- merged, on the duplicate (ticket_merged_event): into (the surviving ticket's number); from (the
  duplicate's status before). On the survivor (ticket_merge_received_event): merged (the
  duplicate's number).
- feedback (ticket_feedback_event): rating (1-5); tweet_id, the citizen's rating tweet.
"""

from collections.abc import Sequence
from datetime import datetime

from tickets.audit import EventDraft
from tickets.lifecycle import Priority, Status
from tickets.models import EventKind, TicketMessage

# --- Tweets arriving (written by intake, the actor is the system) ------------------------------


def ticket_created_event(
    *,
    ticket_id: int,
    number: str,
    tweet_id: int,
    route: dict,
    acknowledgement_queued: bool,
    follows_ticket_id: int | None = None,
    priority: str = Priority.P3,
    category_id: str | None = None,
    triage_reason: str = "",
) -> EventDraft:
    """CREATED: a tweet opened ticket `number`, routed as `route` says; `acknowledgement_queued`
    false when nobody can post the acknowledgement (an officer replies by hand); triage gave it
    `priority` and `category_id` for `triage_reason`."""
    data = {
        "number": number,
        "tweet_id": str(tweet_id),
        "route": route,
        "acknowledgement": "queued" if acknowledgement_queued else "manual reply needed",
        "priority": priority,
        "category": category_id,
        "triage_reason": triage_reason,
    }
    if follows_ticket_id:
        data["follows_ticket_id"] = follows_ticket_id
    return EventDraft(EventKind.CREATED, ticket_id, data=data)


def ticket_threaded_event(*, ticket_id: int, tweet_id: int) -> EventDraft:
    """THREADED: the citizen's follow-up tweet `tweet_id` joined the open ticket."""
    return EventDraft(EventKind.THREADED, ticket_id, data={"tweet_id": str(tweet_id)})


def ticket_reopened_by_citizen_event(*, ticket_id: int, tweet_id: int) -> EventDraft:
    """REOPENED: the citizen's tweet `tweet_id` reopened the resolved ticket."""
    return EventDraft(EventKind.REOPENED, ticket_id, data={"tweet_id": str(tweet_id)})


def ticket_official_reply_seen_event(*, ticket_id: int, tweet_id: int) -> EventDraft:
    """OFFICIAL_REPLY_SEEN: the department's own post `tweet_id` on X, seen in the ticket's thread."""
    return EventDraft(EventKind.OFFICIAL_REPLY_SEEN, ticket_id, data={"tweet_id": str(tweet_id)})


def ticket_edited_event(
    *,
    ticket_id: int,
    tweet_id: int,
    previous_tweet_ids: Sequence[int],
    replaced_tweet_id: int | None,
    replaced_text: str,
) -> EventDraft:
    """EDITED: the citizen edited a tweet on the ticket; `tweet_id` is the new version. The replaced
    version's text is kept in the chain, so an edit never erases what was written."""
    return EventDraft(
        EventKind.EDITED,
        ticket_id,
        data={
            "tweet_id": str(tweet_id),
            "previous_tweet_ids": [str(earlier) for earlier in previous_tweet_ids],
            "previous_tweet_id": str(replaced_tweet_id) if replaced_tweet_id is not None else None,
            "previous_text": replaced_text,
        },
    )


def ticket_feedback_event(*, ticket_id: int, rating: int, tweet_id: int) -> EventDraft:
    """FEEDBACK: the citizen rated the resolution `rating` (1-5) in tweet `tweet_id`."""
    return EventDraft(EventKind.FEEDBACK, ticket_id, data={"rating": rating, "tweet_id": str(tweet_id)})


# --- Officers working the ticket ---------------------------------------------------------------


def ticket_triage_changed_event(
    *,
    ticket_id: int,
    actor_id: int,
    from_priority: str,
    to_priority: str,
    from_category_id: str | None,
    to_category_id: str | None,
    reason: str,
) -> EventDraft:
    """TRIAGE_CHANGED: an officer changed the priority and/or category (None: "other"), for `reason`."""
    return EventDraft(
        EventKind.TRIAGE_CHANGED,
        ticket_id,
        actor_id=actor_id,
        data={
            "from_priority": from_priority,
            "to_priority": to_priority,
            "from_category": from_category_id,
            "to_category": to_category_id,
            "reason": reason,
        },
    )


def ticket_assigned_event(
    *,
    ticket_id: int,
    actor_id: int | None,
    how: str,
    assignee_id: int,
    assignee_username: str | None = None,
    previous_assignee_id: int | None,
    from_status: str,
    to_status: str,
) -> EventDraft:
    """ASSIGNED: the ticket got owner `assignee_id` (from `previous_assignee_id`), `how` says by
    which action; its status went `from_status` -> `to_status` (a new or reopened one becomes
    assigned). Auto-assignment stores no username."""
    data = {"how": how}
    if assignee_username is not None:
        data["assignee"] = assignee_username
    data |= {
        "assignee_id": assignee_id,
        "previous_assignee_id": previous_assignee_id,
        "from": from_status,
        "to": to_status,
    }
    return EventDraft(EventKind.ASSIGNED, ticket_id, actor_id, data)


def ticket_status_changed_event(
    *,
    ticket_id: int,
    actor_id: int | None,
    from_status: str,
    to_status: str,
    previous_assignee_id: int | None = None,
    assignee_id: int | None = None,
    note: str = "",
    reason: str = "",
    citizen_told: Sequence[TicketMessage] | None = None,
) -> EventDraft:
    """STATUS_CHANGED, or REOPENED when `to_status` is reopened (the timeline shows a reopening as
    its own kind): the ticket went `from_status` -> `to_status`.

    `previous_assignee_id` is stored for a move to `new` only (the ticket back in the queue);
    `assignee_id` when the actor took up an unowned ticket; `note` (an officer's) and `reason` (the
    system's) when given; `citizen_told`, the messages queued to the citizen, when there are some
    to record (resolving)."""
    kind = EventKind.REOPENED if to_status == Status.REOPENED else EventKind.STATUS_CHANGED
    data: dict = {"from": from_status, "to": to_status}
    if to_status == Status.NEW:
        data["previous_assignee_id"] = previous_assignee_id
    if assignee_id is not None:
        data["assignee_id"] = assignee_id
    if reason:
        data["reason"] = reason
    if note:
        data["note"] = note
    if citizen_told is not None:
        data["citizen_told"] = _delivery_summary(citizen_told)
    return EventDraft(kind, ticket_id, actor_id, data)


def ticket_replied_event(
    *, ticket_id: int, actor_id: int, messages: Sequence[TicketMessage], canned_response_id: int | None = None
) -> EventDraft:
    """REPLIED: an officer queued `messages` (one reply, maybe a thread) to the citizen, typed or
    from canned response `canned_response_id`."""
    data = _delivery_summary(messages)
    if canned_response_id:
        data["canned_response_id"] = canned_response_id
    return EventDraft(EventKind.REPLIED, ticket_id, actor_id, data)


def ticket_note_event(*, ticket_id: int, actor_id: int, note_id: int) -> EventDraft:
    """NOTE: an officer wrote internal note `note_id` (its text stays in the note, staff-only)."""
    return EventDraft(EventKind.NOTE, ticket_id, actor_id, {"note_id": note_id})


def _delivery_summary(messages: Sequence[TicketMessage]) -> dict:
    return {"message_ids": [message.pk for message in messages], "delivery": messages[0].delivery if messages else ""}


# --- The outbox posting what the citizen is told (the actor is the sender) ---------------------


def _message_data(message: TicketMessage) -> dict:
    return {
        "message_id": message.pk,
        "kind": message.kind,
        "part": message.thread_part,
        "parts": message.thread_parts,
        "from": message.from_account.handle if message.from_account else "",
    }


def reply_sent_event(
    *, message: TicketMessage, tweet_id: int, reconciled: bool = False, replaced_echo_message_id: int | None = None
) -> EventDraft:
    """REPLY_SENT: X posted outbound `message` as `tweet_id`; `reconciled` when found on X after
    the sender lost track of it; `replaced_echo_message_id`, our post's copy ingestion had recorded."""
    data = _message_data(message) | {"tweet_id": str(tweet_id), "attempts": message.attempts}
    if reconciled:
        data["reconciled"] = True
    if replaced_echo_message_id:
        data["replaced_echo_message_id"] = replaced_echo_message_id
    return EventDraft(EventKind.REPLY_SENT, message.ticket_id, data=data)


def reply_failed_event(
    *,
    message: TicketMessage,
    error: str,
    permanent: bool | None = None,
    duplicate_tweet_id: int | None = None,
    abandoned_message_ids: Sequence[int] = (),
) -> EventDraft:
    """REPLY_FAILED: outbound `message` will not be posted, for `error`: given up on (`permanent`:
    whether X refused it for good), or a duplicate of the message holding post `duplicate_tweet_id`.
    The later parts of its thread, `abandoned_message_ids`, failed with it."""
    data = _message_data(message) | {"error": error, "attempts": message.attempts}
    if duplicate_tweet_id is not None:
        data["tweet_id"] = str(duplicate_tweet_id)
    if permanent is not None:
        data["permanent"] = permanent
    if abandoned_message_ids:
        data["abandoned_message_ids"] = list(abandoned_message_ids)
    return EventDraft(EventKind.REPLY_FAILED, message.ticket_id, data=data)


def ack_dropped_event(
    *, message: TicketMessage, reason: str, acknowledged_by_message_id: int | None = None
) -> EventDraft:
    """ACK_DROPPED: the acknowledgement `message` will never be posted, for `reason` ("answered",
    "closed", "acknowledged"); with "acknowledged", the acknowledgement the citizen got instead."""
    data = _message_data(message) | {"reason": reason}
    if acknowledged_by_message_id is not None:
        data["acknowledged_by_message_id"] = acknowledged_by_message_id
    return EventDraft(EventKind.ACK_DROPPED, message.ticket_id, data=data)


# --- Moving the ticket, escalating it ----------------------------------------------------------


def ticket_transferred_event(
    *,
    ticket_id: int,
    actor_id: int,
    from_department_code: str,
    from_unit_code: str | None,
    to_department_code: str,
    reason: str,
    previous_status: str,
    previous_assignee_id: int | None,
    previous_escalation_level: int,
    citizen_told: Sequence[TicketMessage],
) -> EventDraft:
    """TRANSFERRED: the ticket moved from department `from_department_code` (unit `from_unit_code`)
    to `to_department_code` for `reason`; what it was before (status, assignee, escalation level)
    and the messages the citizen was told who has it now."""
    return EventDraft(
        EventKind.TRANSFERRED,
        ticket_id,
        actor_id,
        {
            "from": from_department_code,
            "from_unit": from_unit_code,
            "to": to_department_code,
            "reason": reason,
            "previous_status": previous_status,
            "previous_assignee_id": previous_assignee_id,
            "previous_escalation_level": previous_escalation_level,
            "citizen_told": {"message_ids": [message.pk for message in citizen_told]},
        },
    )


def ticket_merged_event(*, ticket_id: int, actor_id: int, into_number: str, from_status: str) -> EventDraft:
    """MERGED, on the duplicate: it was merged into ticket `into_number`, from status `from_status`."""
    return EventDraft(EventKind.MERGED, ticket_id, actor_id, {"into": into_number, "from": from_status})


def ticket_merge_received_event(*, ticket_id: int, actor_id: int, merged_number: str) -> EventDraft:
    """MERGED, on the survivor: ticket `merged_number` was merged into it."""
    return EventDraft(EventKind.MERGED, ticket_id, actor_id, {"merged": merged_number})


def ticket_escalated_event(
    *,
    ticket_id: int,
    escalation_id: int,
    level: int,
    reason: str,
    notify_department_code: str,
    target_due_at: datetime | None,
) -> EventDraft:
    """ESCALATED (by the system): escalation `escalation_id` at `level`, for `reason`, sent to the
    supervisors of `notify_department_code`; `target_due_at` is the SLA target passed (None for an
    appeal)."""
    return EventDraft(
        EventKind.ESCALATED,
        ticket_id,
        data={
            "escalation_id": escalation_id,
            "level": level,
            "reason": reason,
            "notify_department": notify_department_code,
            "target_due_at": target_due_at and target_due_at.isoformat(),
        },
    )


def escalation_acknowledged_event(
    *, ticket_id: int, actor_id: int, escalation_id: int, level: int, reason: str
) -> EventDraft:
    """ESCALATION_ACKNOWLEDGED: a supervisor took escalation `escalation_id` off their queue."""
    return EventDraft(
        EventKind.ESCALATION_ACKNOWLEDGED,
        ticket_id,
        actor_id,
        {"escalation_id": escalation_id, "level": level, "reason": reason},
    )
