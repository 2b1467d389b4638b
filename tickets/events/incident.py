"""Events of incidents (surges), written on each ticket an incident change touches (`ticket_id`);
`actor_id` is the supervisor, None for detection at intake.

Kind (builder): stored keys, and what they mean.

- incident_opened (incident_opened_event): incident_id; title; by ("detection" or "hand"), on
  each ticket the incident was opened with.
- incident_joined (incident_joined_event): incident_id; by ("detection" or "hand"): the ticket was
  put into an open incident.
- incident_left (incident_left_event): incident_id: a supervisor took the ticket out.
- incident_merged (incident_merged_event): incident_id (the one merged away); into (the incident
  that now holds the ticket).
- incident_note (incident_note_event): incident_id; note (the public note, "" when cleared).
- incident_resolved (incident_resolved_event): incident_id; note (the resolution posted to the
  citizens). The tickets it resolved also get their own STATUS_CHANGED (tickets.events.ticket).
"""

from tickets.audit import EventDraft
from tickets.models import EventKind


def incident_opened_event(
    *, ticket_id: int, actor_id: int | None, incident_id: int, title: str, by_detection: bool
) -> EventDraft:
    """INCIDENT_OPENED: incident `incident_id` was opened with this ticket in it."""
    data = {"incident_id": incident_id, "title": title, "by": "detection" if by_detection else "hand"}
    return EventDraft(EventKind.INCIDENT_OPENED, ticket_id, actor_id, data)


def incident_joined_event(*, ticket_id: int, actor_id: int | None, incident_id: int) -> EventDraft:
    """INCIDENT_JOINED: the ticket was put into the open incident `incident_id`."""
    data = {"incident_id": incident_id, "by": "hand" if actor_id else "detection"}
    return EventDraft(EventKind.INCIDENT_JOINED, ticket_id, actor_id, data)


def incident_left_event(*, ticket_id: int, actor_id: int, incident_id: int) -> EventDraft:
    """INCIDENT_LEFT: the ticket was taken out of incident `incident_id`."""
    return EventDraft(EventKind.INCIDENT_LEFT, ticket_id, actor_id, {"incident_id": incident_id})


def incident_merged_event(*, ticket_id: int, actor_id: int, incident_id: int, into_id: int) -> EventDraft:
    """INCIDENT_MERGED: incident `incident_id` was merged into `into_id`, which now holds the ticket."""
    return EventDraft(EventKind.INCIDENT_MERGED, ticket_id, actor_id, {"incident_id": incident_id, "into": into_id})


def incident_note_event(*, ticket_id: int, actor_id: int, incident_id: int, note: str) -> EventDraft:
    """INCIDENT_NOTE: the incident's public note, shown on the ticket's status page, is now `note`."""
    return EventDraft(EventKind.INCIDENT_NOTE, ticket_id, actor_id, {"incident_id": incident_id, "note": note})


def incident_resolved_event(*, ticket_id: int, actor_id: int, incident_id: int, note: str) -> EventDraft:
    """INCIDENT_RESOLVED: incident `incident_id` was resolved with `note`."""
    return EventDraft(EventKind.INCIDENT_RESOLVED, ticket_id, actor_id, {"incident_id": incident_id, "note": note})
