"""Surge detection at intake: a batch's new tickets join the open incident they match, or open one
with the recent tickets like them when they arrive faster than their unit usually does. The rules
are tickets.triage.surge's; this module reads and writes their rows.

Called by intake_apply once its new tickets are written, in its transaction (which holds the
pipeline's lock, so two batches never detect at once); returns the events for intake to append with
its own. Seven statements per batch with new tickets, whatever its size and whether or not anything
surged: departments' and categories' names, open incidents, recent tickets, baselines, incident ids,
incidents, tickets' incident, baselines' update.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from django.db import connection

from tickets.audit import EventDraft
from tickets.events.incident import incident_joined_event, incident_opened_event
from tickets.lifecycle import OPEN_STATUSES
from tickets.models import OTHER_CATEGORY, IncidentStatus
from tickets.triage import surge

# Recent tickets are looked for by arrival (the BRIN index on created_at), and by tweet time too: a
# backfill (a file, search catching up) writes a month of tweets within minutes of arrival, and
# without the second bound every batch would re-read and re-group every ticket written before it.
# The window itself is counted in tweet time by surge: a ticket tweeted over WINDOW before the
# batch's earliest tweet is outside every window that has a new ticket in it.
LOOKBACK = surge.WINDOW * 2

# Names, and the words that say where rather than what (a department's and unit's names and code,
# its routing rules' places and keywords): every ticket of a unit has them, so they join nothing.
_NAMES = """
SELECT 'd', id::text, name_en FROM departments_department WHERE id = ANY(%s::bigint[])
UNION ALL
SELECT 'c', code, name_en FROM tickets_category WHERE code = ANY(%s::text[])
UNION ALL
SELECT 'w', id::text, concat_ws(' ', code, name_en, name_hi) FROM departments_department WHERE id = ANY(%s::bigint[])
UNION ALL
SELECT 'w', department_id::text, pattern FROM departments_routingrule WHERE department_id = ANY(%s::bigint[])
"""
_OPEN_INCIDENTS = """
SELECT id, department_id, unit_id, category_id, signature FROM tickets_incident
 WHERE status = %s AND department_id = ANY(%s::bigint[])
"""
_RECENT = """
SELECT id, department_id, unit_id, category_id, subject, extract(epoch FROM COALESCE(tweeted_at, created_at))::float8
  FROM tickets_ticket
 WHERE created_at >= %s AND COALESCE(tweeted_at, created_at) >= %s
   AND incident_id IS NULL AND status = ANY(%s::text[])
   AND department_id = ANY(%s::bigint[]) AND id <> ALL(%s::bigint[])
"""
_BASELINES = """
SELECT scope_department_id, category_key, level, updated_at FROM tickets_incidentbaseline
 WHERE scope_department_id = ANY(%s::bigint[])
"""
_INCIDENT_IDS = "SELECT nextval('tickets_incident_id_seq') FROM generate_series(1, %s)"
_INCIDENTS_INSERT = """
INSERT INTO tickets_incident (id, title, department_id, unit_id, category_id, status, public_note,
                              resolution_note, opened_at, signature)
SELECT i.id, i.title, i.department_id, i.unit_id, i.category_id, %s, '', '', %s, i.signature
  FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::jsonb[])
       AS i(id, title, department_id, unit_id, category_id, signature)
"""
# Only tickets still in no incident: a supervisor may have placed one meanwhile.
_TICKETS_JOIN = """
UPDATE tickets_ticket t SET incident_id = j.incident_id
  FROM unnest(%s::bigint[], %s::bigint[]) AS j(id, incident_id)
 WHERE t.id = j.id AND t.incident_id IS NULL
"""
_BASELINES_UPDATE = """
INSERT INTO tickets_incidentbaseline AS b (scope_department_id, category_key, level, updated_at)
SELECT u.scope, u.category_key, u.count, %s FROM unnest(%s::bigint[], %s::text[], %s::float8[])
       AS u(scope, category_key, count)
ON CONFLICT (scope_department_id, category_key) DO UPDATE
   SET level = b.level * power(0.5, GREATEST(EXTRACT(EPOCH FROM (EXCLUDED.updated_at - b.updated_at)), 0) / %s)
             + EXCLUDED.level,
       updated_at = GREATEST(b.updated_at, EXCLUDED.updated_at)
"""


def _signature(value) -> dict:
    # Django's connection hands jsonb over as text (its JSONField decodes it); a row may hold anything.
    value = orjson.loads(value) if isinstance(value, str | bytes) else value
    return value if isinstance(value, dict) else {}


def _category(ticket) -> str | None:
    """A new ticket's category code; None for none and for "other" (the triage helper sets it)."""
    category = getattr(ticket, "category_id", None)
    return None if category == OTHER_CATEGORY else category


def _title(group: surge.Group, *, names: dict[tuple[str, str], str]) -> str:
    place = names.get(("d", str(group.unit_id or group.department_id)), "")
    what = names.get(("c", group.category_id or ""), "")
    head = f"{place} · {what}" if what else place
    words = ", ".join(group.shared_words())
    return (f"{head}: {words}" if words else head)[:200]


def incidents_detect(*, new_tickets: Sequence, now: datetime) -> list[EventDraft]:
    """Detect surges among `new_tickets` (intake's NewTicket, written, with ids) and the recent
    tickets of their departments in no incident; set their incident and return the events
    (INCIDENT_JOINED for a new ticket joining an open incident, INCIDENT_OPENED on each ticket of a
    new one). Runs in intake's transaction."""
    if not new_tickets:
        return []
    department_ids = sorted({t.department.id for t in new_tickets})
    categories = sorted({c for t in new_tickets if (c := getattr(t, "category_id", None))})
    scope_ids = sorted({t.scope_department_id for t in new_tickets})
    new_ids = [t.id for t in new_tickets]
    with connection.cursor() as cursor:
        place_ids = sorted({*scope_ids, *department_ids})
        cursor.execute(_NAMES, [scope_ids, categories, place_ids, place_ids])
        names, where_words = {}, {}
        for kind, key, name in cursor.fetchall():
            if kind == "w":
                where_words.setdefault(int(key), set()).update(surge.text_words(name))
            else:
                names[(kind, key)] = name
        cursor.execute(_OPEN_INCIDENTS, [IncidentStatus.OPEN, department_ids])
        open_incidents = [
            surge.OpenIncident(i, d, u, c, frozenset(_signature(signature).get("keys", ())))
            for i, d, u, c, signature in cursor.fetchall()
        ]
        earliest = min(t.opening.created_at for t in new_tickets)
        cursor.execute(_RECENT, [now - LOOKBACK, earliest - LOOKBACK, sorted(OPEN_STATUSES), department_ids, new_ids])
        places = {(t.department.id, t.unit_id) for t in new_tickets}
        # The times come as epoch seconds: thousands of rows a batch, and a timestamp's text is
        # parsed in Python, a float in C.
        recent = [
            surge.SurgeTicket(i, d, u, c, text, datetime.fromtimestamp(at, UTC), is_new=False)
            for i, d, u, c, text, at in cursor.fetchall()
            if (d, u) in places
        ]
        cursor.execute(_BASELINES, [scope_ids])
        expected = {
            (scope, category_key): surge.expected_in_window(level, at=now, updated_at=updated_at)
            for scope, category_key, level, updated_at in cursor.fetchall()
        }
        tickets = recent + [
            surge.SurgeTicket(
                t.id,
                t.department.id,
                t.unit_id,
                _category(t),
                t.opening.text,
                t.opening.created_at,
                is_new=True,
            )
            for t in new_tickets
        ]
        for t in tickets:
            for place in {t.department_id, t.unit_id}:
                for key in where_words.get(place, ()):
                    t.words.pop(key, None)
        plan = surge.surge_plan(
            tickets=tickets, open_incidents=open_incidents, expected=expected, other_category=OTHER_CATEGORY
        )

        cursor.execute(_INCIDENT_IDS, [len(plan.opens)])
        incident_ids = [row[0] for row in cursor.fetchall()]
        opened = []  # (incident id, title, members)
        for incident_id, group in zip(incident_ids, plan.opens, strict=True):
            opened.append((incident_id, _title(group, names=names), group.in_window(), group))
        cursor.execute(
            _INCIDENTS_INSERT,
            [
                IncidentStatus.OPEN,
                now,
                [o[0] for o in opened],
                [o[1] for o in opened],
                [o[3].department_id for o in opened],
                [o[3].unit_id for o in opened],
                [o[3].category_id for o in opened],
                [
                    orjson.dumps(
                        {
                            "by": "detection",
                            "keys": sorted(o[3].signature),
                            "words": o[3].shared_words(limit=10),
                            "window_minutes": int(surge.WINDOW.total_seconds() // 60),
                            "tickets_at_opening": len(o[2]),
                        }
                    ).decode()
                    for o in opened
                ],
            ],
        )
        placed = dict(plan.joins)
        for incident_id, _title_text, members, _group in opened:
            placed.update({t.id: incident_id for t in members})
        cursor.execute(_TICKETS_JOIN, [list(placed), list(placed.values())])

        # The usual rate counts what did not surge.
        usual = Counter(
            surge.baseline_key(unit_id=t.unit_id, department_id=t.department.id, category_id=_category(t))
            for t in new_tickets
            if t.id not in placed
        )
        cursor.execute(
            _BASELINES_UPDATE,
            [
                now,
                [key[0] for key in usual],
                [key[1] for key in usual],
                [float(count) for count in usual.values()],
                surge.BASELINE_HALF_LIFE.total_seconds(),
            ],
        )
    events = [
        incident_joined_event(ticket_id=ticket_id, actor_id=None, incident_id=incident_id)
        for ticket_id, incident_id in plan.joins.items()
    ]
    for incident_id, title, members, _group in opened:
        events += [
            incident_opened_event(
                ticket_id=t.id, actor_id=None, incident_id=incident_id, title=title, by_detection=True
            )
            for t in members
        ]
    return events
