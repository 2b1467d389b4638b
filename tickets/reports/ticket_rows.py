"""One row per ticket received in the report's period, with every hop: where it came in and where it
ended, its times (business hours too), whether each SLA target was met, each assignment (officer,
from, to), each transfer (from, to, reason, when), each escalation (level, when, who acknowledged it
and when), each reply (when, sent or failed) and the citizen's rating.

Where each hop lives: assignments are ASSIGNED audit events (an assignment ends at the next one, at a
transfer, or when the ticket goes back to `new`: the events that unassign); transfers are
TRANSFERRED events (so the department and unit at intake are the first transfer's `from`, else the
ticket's own); escalations are `Escalation` rows; replies are the ticket's outbound messages (the
outbox, with their delivery); the rating is the latest `Feedback`.

One SQL statement builds every row: the report's tickets (materialized once), and each kind of hop
aggregated per ticket over the id range of those tickets (ids follow arrival, so a period's tickets
are one narrow range of each (ticket, ...) index), all merged in ticket id (arrival) order. The hop
lists are aggregated in the order their derived tables are sorted in (events by id, messages by
time): a per-group ORDER BY would sort every ticket's few rows on their own, which costs more than
the rest of the row (PostgreSQL 15 has no presorted aggregates). JIT compilation is turned off for
it (the statement is long, its rows cheap, and compiling it took longer than running it), and times
are cut from their ISO text rather than formatted with to_char (a fifth of the statement's time).
It is read with a server-side cursor, so the process holds one chunk at a time whatever the size; a
CSV is copied straight out of PostgreSQL (COPY ... TO STDOUT), one message per row, so no value
passes through Python at all. Values are what a person reads: India's times (no zone, to the
second), labels in the reader's language (activate it first), department codes.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tickets.lifecycle import OPEN_STATUSES, Status
from tickets.models import AuditEvent, Delivery, Direction, Escalation, EventKind, MessageKind
from tickets.reports.scope import ReportScope

ROWS_CHUNK = 2_000  # rows fetched per round trip from the server-side cursor
# A spreadsheet takes a cell starting with one of these as a formula (or, for a tab or carriage
# return, strips it and then may): a name like "=HYPERLINK(...)" must reach the auditor as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class TicketColumn:
    key: str
    header: str  # lazily translated
    kind: str  # "text", "datetime", "number", "int" or "hops" (text, one hop a line)
    null: bool  # whether a row may have no value here


# Always there: what every ticket has, and counts.
_NEVER_NULL = frozenset(
    {"number", "department_at_intake", "department", "category", "priority", "status", "received_at"}
    | {"first_response_target", "resolution_target", "assignments_count", "transfers_count"}
    | {"escalations_count", "replies_sent", "replies_failed"}
)


def _column(key: str, header, kind: str = "text") -> TicketColumn:
    return TicketColumn(key, header, kind, key not in _NEVER_NULL)


TICKET_COLUMNS: tuple[TicketColumn, ...] = (
    _column("number", gettext_lazy("Ticket")),
    _column("department_at_intake", gettext_lazy("Department at intake")),
    _column("unit_at_intake", gettext_lazy("Unit at intake")),
    _column("department", gettext_lazy("Department at the end")),
    _column("unit", gettext_lazy("Unit at the end")),
    _column("category", gettext_lazy("Category")),
    _column("priority", gettext_lazy("Priority")),
    _column("incident_id", gettext_lazy("Incident"), "int"),
    _column("incident_title", gettext_lazy("Incident title")),
    _column("status", gettext_lazy("Status")),
    _column("received_at", gettext_lazy("Received"), "datetime"),
    _column("first_response_at", gettext_lazy("First response"), "datetime"),
    _column("resolved_at", gettext_lazy("Resolved"), "datetime"),
    _column("closed_at", gettext_lazy("Closed"), "datetime"),
    _column("first_response_business_hours", gettext_lazy("First response (business hours)"), "number"),
    _column("resolution_business_hours", gettext_lazy("Resolution (business hours)"), "number"),
    _column("first_response_due_at", gettext_lazy("First response due"), "datetime"),
    _column("first_response_target", gettext_lazy("First response target")),
    _column("resolution_due_at", gettext_lazy("Resolution due"), "datetime"),
    _column("resolution_target", gettext_lazy("Resolution target")),
    _column("assigned_to", gettext_lazy("Assigned to")),
    _column("assignments_count", gettext_lazy("Assignments (count)"), "int"),
    _column("assignments", gettext_lazy("Assignments (officer, from, to)"), "hops"),
    _column("transfers_count", gettext_lazy("Transfers (count)"), "int"),
    _column("transfers", gettext_lazy("Transfers (from, to, when, reason)"), "hops"),
    _column("escalations_count", gettext_lazy("Escalations (count)"), "int"),
    _column("escalations", gettext_lazy("Escalations (level, when, acknowledged by and when)"), "hops"),
    _column("replies_sent", gettext_lazy("Replies sent"), "int"),
    _column("replies_failed", gettext_lazy("Replies failed"), "int"),
    _column("replies", gettext_lazy("Replies (kind, when, delivery)"), "hops"),
    _column("rating", gettext_lazy("Rating"), "int"),
    _column("rated_at", gettext_lazy("Rated"), "datetime"),
    _column("merged_into", gettext_lazy("Merged into")),
)
TICKET_KEYS = tuple(column.key for column in TICKET_COLUMNS)


def ticket_headers() -> list[str]:
    """The columns' headers in the active language."""
    return [str(column.header) for column in TICKET_COLUMNS]


def target_labels() -> dict[str, str]:
    """What the SLA target columns say, in the active language."""
    return {
        "met": _("met"),
        "missed": _("missed"),
        "running": _("not due yet"),
        "none": _("no target"),
        "not_counted": _("not counted (closed unanswered)"),
    }


class _Params:
    """Named parameters of one statement: each value gets a placeholder of its own, so a piece of SQL
    can be written in any order, or twice."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def __call__(self, value) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"%({name})s"

    def label(self, expression: str, labels: dict[str, str]) -> str:
        """A CASE giving each code of `expression` its label (the code itself where none)."""
        whens = " ".join(f"WHEN {self(code)} THEN {self(text)}" for code, text in labels.items())
        return f"CASE {expression} {whens} ELSE {expression} END"

    def table(self, labels: dict[str, str]) -> str:
        """A VALUES list of (code, label) rows, to join on: cheaper than a CASE per row."""
        return (
            "(VALUES " + ", ".join(f"({self(code)}::text, {self(text)}::text)" for code, text in labels.items()) + ")"
        )

    def embed(self, sql: str, params) -> str:
        """An ORM-compiled statement (positional %s, literal percents doubled) with named placeholders."""
        values = iter(params)
        named = _POSITIONAL.sub(lambda match: self(next(values)), sql)
        if next(values, _NONE) is not _NONE:
            raise ValueError("the statement has fewer placeholders than parameters")
        return named


_NONE = object()
_POSITIONAL = re.compile(r"(?<!%)%s")


def _local(expression: str, *, as_text: bool) -> str:
    """India's wall-clock time of a timestamptz, to the second (India keeps no summer time)."""
    if as_text:
        return f"left(({expression} AT TIME ZONE 'Asia/Kolkata')::text, 19)"
    return f"date_trunc('second', {expression} AT TIME ZONE 'Asia/Kolkata')"


def _minute(expression: str) -> str:
    return f"left(({expression} AT TIME ZONE 'Asia/Kolkata')::text, 16)"


# The text columns that can start with what a spreadsheet runs: names people type (categories,
# incident titles) and usernames (Django allows "+", "-" and "@" in them; the assignments start with
# one). The rest start with what the report writes: codes ([A-Z0-9_], a constraint), ticket numbers,
# labels, times, "L1".
_FREE_TEXT = frozenset({"category", "incident_title", "assigned_to", "assignments"})


def _username(user_id: str) -> str:
    """A user's username by id, as a subquery: the hops look a few up per ticket, and a join inside a
    LATERAL subquery would hash the whole users table again for every ticket."""
    return f"(SELECT pu.username FROM accounts_user pu WHERE pu.id = {user_id})"  # noqa: S608 - our own column  # nosec B608


def _defused(expression: str) -> str:
    """`expression` (text) with a leading apostrophe where a spreadsheet would run it (OWASP's advice)."""
    return (
        f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def ticket_rows_sql(scope: ReportScope, *, for_csv: bool, ids: tuple[int, int] | None = None) -> tuple[str, dict]:
    """The statement giving one row per ticket received in the scope's period, TICKET_COLUMNS in
    order, labels in the active language. `for_csv`: every value text as the file shows it, text
    defused against spreadsheet formulas; else typed (timestamps, numbers) for XLSX, PDF and JSON.
    `ids` (first, last): only the tickets with an id in that range (one part of a parallel copy)."""
    received = scope.received if ids is None else scope.received.filter(id__range=ids)
    tickets_sql, tickets_params = received.values(
        "id",
        "number",
        "department_id",
        "unit_id",
        "category_id",
        "priority",
        "incident_id",
        "status",
        "assigned_to_id",
        "merged_into_id",
        "created_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "first_response_due_at",
        "resolution_due_at",
        "sla_paused_at",
        "first_response_business_seconds",
        "resolution_business_seconds",
    ).query.sql_with_params()
    hindi = (get_language() or "").startswith("hi")
    targets = target_labels()
    p = _Params()
    tickets = p.embed(tickets_sql, tickets_params)
    open_statuses = p(sorted(OPEN_STATUSES))
    now = p(scope.now)

    def target(due: str, done: str) -> str:
        return (
            f"CASE WHEN t.{due} IS NULL THEN {p(targets['none'])}"
            f" WHEN t.{done} IS NOT NULL THEN CASE WHEN t.{done} <= t.{due} THEN {p(targets['met'])}"
            f" ELSE {p(targets['missed'])} END"
            f" WHEN t.status = ANY({open_statuses}) AND t.{due} < COALESCE(t.sla_paused_at, {now}::timestamptz)"
            f" THEN {p(targets['missed'])}"
            f" WHEN t.status = ANY({open_statuses}) THEN {p(targets['running'])}"
            f" ELSE {p(targets['not_counted'])} END"
        )

    category = "COALESCE(NULLIF(cat.name_hi, ''), cat.name_en)" if hindi else "cat.name_en"
    columns = {
        "number": "t.number",
        "department_at_intake": "COALESCE(h.first_from, d.code)",
        "unit_at_intake": "CASE WHEN h.transfers_count > 0 THEN h.first_from_unit ELSE u.code END",
        "department": "d.code",
        "unit": "u.code",
        "category": f"COALESCE({category}, {p(_('Other'))})",
        "priority": "upper(t.priority)",
        "incident_id": "t.incident_id",
        "incident_title": "i.title",
        "status": p.label("t.status", {code: str(label) for code, label in Status.choices}),
        "received_at": _local("t.created_at", as_text=for_csv),
        "first_response_at": _local("t.first_responded_at", as_text=for_csv),
        "resolved_at": _local("t.resolved_at", as_text=for_csv),
        "closed_at": _local("t.closed_at", as_text=for_csv),
        "first_response_business_hours": "round(t.first_response_business_seconds / 3600.0, 2)::float8",
        "resolution_business_hours": "round(t.resolution_business_seconds / 3600.0, 2)::float8",
        "first_response_due_at": _local("t.first_response_due_at", as_text=for_csv),
        "first_response_target": target("first_response_due_at", "first_responded_at"),
        "resolution_due_at": _local("t.resolution_due_at", as_text=for_csv),
        "resolution_target": target("resolution_due_at", "resolved_at"),
        "assigned_to": "au.username",
        "assignments_count": "COALESCE(h.assignments_count, 0)",
        "assignments": "h.assignments",
        "transfers_count": "COALESCE(h.transfers_count, 0)",
        "transfers": "h.transfers",
        "escalations_count": "COALESCE(x.escalations_count, 0)",
        "escalations": "x.escalations",
        "replies_sent": "COALESCE(m.replies_sent, 0)",
        "replies_failed": "COALESCE(m.replies_failed, 0)",
        "replies": "m.replies",
        "rating": "fb.rating",
        "rated_at": _local("fb.created_at", as_text=for_csv),
        "merged_into": "(SELECT mt.number FROM tickets_ticket mt WHERE mt.id = t.merged_into_id)",
    }
    if for_csv:
        columns = {key: _defused(value) if key in _FREE_TEXT else value for key, value in columns.items()}
    select = ",\n       ".join(f"{expression} AS {key}" for key, expression in columns.items())

    # The hops.
    appeal = p(_("appeal"))
    acknowledged = p(_("acknowledged by"))
    not_acknowledged = p(_("not acknowledged"))
    kinds = p.table({code: str(label) for code, label in MessageKind.choices})
    deliveries = p.table({code: str(label) for code, label in Delivery.choices})
    by = p(_("by"))
    assignee = _username("(s.data ->> 'assignee_id')::bigint")
    notified = "(SELECT nd.code FROM departments_department nd WHERE nd.id = x.notify_department_id)"
    in_range = "BETWEEN (SELECT lo FROM bounds) AND (SELECT hi FROM bounds)"
    sql = f"""WITH tickets AS MATERIALIZED ({tickets}),
bounds AS (SELECT min(id) AS lo, max(id) AS hi FROM tickets)
SELECT {select}
  FROM tickets t
  JOIN departments_department d ON d.id = t.department_id
  LEFT JOIN departments_department u ON u.id = t.unit_id
  LEFT JOIN tickets_category cat ON cat.code = t.category_id
  LEFT JOIN tickets_incident i ON i.id = t.incident_id
  LEFT JOIN accounts_user au ON au.id = t.assigned_to_id
  LEFT JOIN (
      SELECT s.ticket_id,
             count(*) FILTER (WHERE s.kind = '{EventKind.ASSIGNED}') AS assignments_count,
             string_agg(
                 CASE WHEN s.kind = '{EventKind.ASSIGNED}' THEN
                     COALESCE({assignee}, '?') || ' ' || {_minute("s.created_at")} || ' → '
                     || COALESCE({_minute("s.ended_at")}, '…')
                 END, E'\\n') AS assignments,
             count(*) FILTER (WHERE s.kind = '{EventKind.TRANSFERRED}') AS transfers_count,
             string_agg(
                 CASE WHEN s.kind = '{EventKind.TRANSFERRED}' THEN
                     concat_ws('/', s.data ->> 'from', s.data ->> 'from_unit') || ' → ' || (s.data ->> 'to')
                     || ' ' || {_minute("s.created_at")} || ': '
                     || regexp_replace(COALESCE(s.data ->> 'reason', ''), '\\s+', ' ', 'g')
                 END, E'\\n') AS transfers,
             (array_agg(s.data ->> 'from')
                 FILTER (WHERE s.kind = '{EventKind.TRANSFERRED}'))[1] AS first_from,
             (array_agg(s.data ->> 'from_unit')
                 FILTER (WHERE s.kind = '{EventKind.TRANSFERRED}'))[1] AS first_from_unit
        FROM (SELECT e.ticket_id, e.id, e.kind, e.created_at, e.data,
                     lead(e.created_at) OVER (PARTITION BY e.ticket_id ORDER BY e.id) AS ended_at
                FROM {AuditEvent._meta.db_table} e
               WHERE e.ticket_id {in_range}
                 AND (e.kind IN ('{EventKind.ASSIGNED}', '{EventKind.TRANSFERRED}')
                      OR (e.kind = '{EventKind.STATUS_CHANGED}' AND e.data ->> 'to' = '{Status.NEW}'))
               ORDER BY e.ticket_id, e.id) s
       GROUP BY s.ticket_id
  ) h ON h.ticket_id = t.id
  LEFT JOIN (
      SELECT x.ticket_id, count(*) AS escalations_count,
             string_agg(
                 'L' || x.level || CASE WHEN x.reason = '{Escalation.Reason.APPEAL}' THEN ' (' || {appeal} || ')'
                 ELSE '' END || ' ' || {_minute("x.raised_at")} || ' → ' || {notified} || ', '
                 || CASE WHEN x.acknowledged_at IS NULL THEN {not_acknowledged}
                    ELSE {acknowledged} || ' ' || {_username("x.acknowledged_by_id")}
                         || ' ' || {_minute("x.acknowledged_at")} END,
                 E'\\n' ORDER BY x.raised_at, x.id) AS escalations
        FROM tickets_escalation x
       WHERE x.ticket_id {in_range}
       GROUP BY x.ticket_id
  ) x ON x.ticket_id = t.id
  LEFT JOIN (
      SELECT m.ticket_id,
             count(*) FILTER (WHERE m.delivery = '{Delivery.SENT}') AS replies_sent,
             count(*) FILTER (WHERE m.delivery = '{Delivery.FAILED}') AS replies_failed,
             string_agg(
                 m.kind_label || CASE WHEN m.thread_parts > 1 THEN ' ' || m.thread_part || '/' || m.thread_parts
                 ELSE '' END || ' ' || {_minute("m.created_at")} || ', ' || m.delivery_label
                 || COALESCE(' ' || {_minute("m.sent_at")}, '')
                 || CASE WHEN m.delivery = '{Delivery.FAILED}' AND m.last_error <> ''
                    THEN ': ' || left(regexp_replace(m.last_error, '\\s+', ' ', 'g'), 120) ELSE '' END
                 || COALESCE(', ' || {by} || ' ' || m.username, ''),
                 E'\\n') AS replies
        FROM (SELECT m.ticket_id, m.created_at, m.sent_at, m.delivery, m.thread_part, m.thread_parts,
                     m.last_error, COALESCE(kl.label, m.kind) AS kind_label,
                     COALESCE(dl.label, m.delivery) AS delivery_label, mu.username
                FROM tickets_ticketmessage m
                LEFT JOIN {kinds} kl(code, label) ON kl.code = m.kind
                LEFT JOIN {deliveries} dl(code, label) ON dl.code = m.delivery
                LEFT JOIN accounts_user mu ON mu.id = m.sent_by_id
               WHERE m.ticket_id {in_range} AND m.direction = '{Direction.OUT}'
               ORDER BY m.ticket_id, m.created_at, m.id) m
       GROUP BY m.ticket_id
  ) m ON m.ticket_id = t.id
  LEFT JOIN (
      SELECT DISTINCT ON (f.ticket_id) f.ticket_id, f.rating, f.created_at FROM tickets_feedback f
       WHERE f.ticket_id {in_range}
       ORDER BY f.ticket_id, f.created_at DESC, f.id DESC
  ) fb ON fb.ticket_id = t.id
 ORDER BY t.id
"""  # noqa: S608 - the text is ours; every value is a parameter  # nosec B608
    return sql, p.values


# XML 1.0 has no place for these control characters (a tab, a line feed and a carriage return are
# kept); a name or a reason that holds one loses it in a spreadsheet.
_XML_FORBIDDEN = "".join(chr(code) for code in range(1, 32) if code not in (9, 10, 13))
_XLSX_CELL_TEXT_MAX = 32_767  # a spreadsheet cell's limit
# What a cell's text must not hold as it is: XML's own, and a line break (each ticket is one line of
# the parts' files, row_parts.py), written as character references XML reads back.
_XML_REFERENCES = (
    ("'&'", "&amp;"),
    ("'<'", "&lt;"),
    ("'>'", "&gt;"),
    ("chr(10)", "&#10;"),
    ("chr(13)", "&#13;"),
)
# Where a time cell's style goes: the workbook's date style is known only once its frame is written
# (render_xlsx.py), after the rows have started.
XLSX_DATE_STYLE = "DATE"
# Columns whose values are codes and ticket numbers (their models' constraints allow letters, digits,
# "_" and "-"), which need no escaping; the rest (names, titles, labels, hops) are escaped.
_XML_SAFE = frozenset({"number", "department_at_intake", "unit_at_intake", "department", "unit", "priority"})


def _xlsx_cell(column: TicketColumn) -> str:
    """The SQL giving one <c> element of an OOXML sheet row for a typed rows column `r.<key>`: text
    as an inline string (never a formula), numbers as numbers, times as spreadsheet serial days
    with the style XLSX_DATE_STYLE stands for; an empty <c/> where there is no value (cells carry
    no reference, so each column must be there). The text holds no line break."""
    value = f"r.{column.key}"
    if column.key in _XML_SAFE:
        cell = f"""'<c t="inlineStr"><is><t>' || {value} || '</t></is></c>'"""
    elif column.kind in ("text", "hops"):
        text = f"translate(left({value}, {_XLSX_CELL_TEXT_MAX}), %(xml_forbidden)s, '')"
        for character, reference in _XML_REFERENCES:
            text = f"replace({text}, {character}, '{reference}')"
        cell = f"""'<c t="inlineStr"><is><t xml:space="preserve">' || {text} || '</t></is></c>'"""
    elif column.kind == "datetime":
        serial = f"(extract(epoch FROM {value} - timestamp '1899-12-30') / 86400)"
        cell = f"""'<c s="{XLSX_DATE_STYLE}"><v>' || {serial} || '</v></c>'"""
    else:
        cell = f"'<c><v>' || {value} || '</v></c>'"
    return cell if not column.null else f"COALESCE({cell}, '<c/>')"


def ticket_rows_xlsx_sql(scope: ReportScope, *, ids: tuple[int, int] | None = None) -> tuple[str, dict]:
    """The rows as the cells of an OOXML sheet's rows, one line of text per ticket (the <c>
    elements; the caller wraps them in a numbered <row> and puts the date style in): PostgreSQL
    builds the XML as it builds the CSV, far faster than a spreadsheet library's cell objects.
    `ids` as in ticket_rows_sql."""
    rows_sql, params = ticket_rows_sql(scope, for_csv=False, ids=ids)
    cells = " || ".join(_xlsx_cell(column) for column in TICKET_COLUMNS)
    return f"SELECT {cells} FROM ({rows_sql}) AS r", {**params, "xml_forbidden": _XML_FORBIDDEN}  # noqa: S608 - our own text  # nosec B608


def ticket_rows_json_sql(scope: ReportScope, *, ids: tuple[int, int] | None = None) -> tuple[str, dict]:
    """The rows as JSON objects, one line of text per ticket (TICKET_COLUMNS' keys; times in India's
    time with its offset; each hop list an array of lines), built by PostgreSQL (row_to_json writes
    no line break: a line end inside a value is escaped). `ids` as in ticket_rows_sql."""
    rows_sql, params = ticket_rows_sql(scope, for_csv=False, ids=ids)
    fields = []
    for column in TICKET_COLUMNS:
        value = f"r.{column.key}"
        if column.kind == "datetime":  # India keeps no summer time: its offset is always +05:30
            value = f"""to_char({value}, 'YYYY-MM-DD"T"HH24:MI:SS') || '+05:30'"""
        elif column.kind == "hops":
            value = f"COALESCE(string_to_array({value}, chr(10)), '{{}}'::text[])"
        fields.append(f"{value} AS {column.key}")
    select = ", ".join(fields)
    return f"SELECT row_to_json(j)::text FROM (SELECT {select} FROM ({rows_sql}) AS r) AS j", params  # noqa: S608 - our own text  # nosec B608


def ticket_rows_lines_iter(sql: str, params: dict, *, chunk_size: int = ROWS_CHUNK) -> Iterator[bytes]:
    """The one text column of each row of `sql` (ticket_rows_xlsx_sql, ticket_rows_json_sql), UTF-8,
    through a server-side cursor, inside a transaction."""
    connection.ensure_connection()
    _settings_for_rows()
    with connection.connection.cursor(name="report_ticket_lines") as cursor:
        cursor.itersize = chunk_size
        cursor.execute(sql, params)
        for (line,) in cursor:
            yield line.encode()


# For the rest of a transaction: no JIT (compiling this long statement took longer than running it),
# and ISO dates, which the times' text is cut from (cheaper than to_char).
ROWS_SETTINGS = ("SET LOCAL jit = off", "SET LOCAL DateStyle = 'ISO, YMD'")


def _settings_for_rows() -> None:
    with connection.cursor() as cursor:
        for statement in ROWS_SETTINGS:
            cursor.execute(statement)


def ticket_rows_iter(scope: ReportScope, *, chunk_size: int = ROWS_CHUNK) -> Iterator[tuple]:
    """The rows, typed, read through a server-side cursor `chunk_size` at a time. Run it inside a
    transaction (a named cursor lives in one)."""
    sql, params = ticket_rows_sql(scope, for_csv=False)
    connection.ensure_connection()
    _settings_for_rows()
    with connection.connection.cursor(name="report_ticket_rows") as cursor:
        cursor.itersize = chunk_size
        cursor.execute(sql, params)
        yield from cursor


def ticket_rows_copy_csv(
    scope: ReportScope, *, write: Callable[[bytes], object], on_rows: Callable[[int], None], every: int
) -> int:
    """Inside a transaction: copy the rows as CSV lines (UTF-8, "\\n" line ends) to `write`, in
    blocks of about a megabyte; `on_rows(rows so far)` after every `every` rows. How many rows."""
    sql, params = ticket_rows_sql(scope, for_csv=True)
    _settings_for_rows()
    with connection.cursor() as cursor:
        return ticket_rows_copy_out(cursor.cursor, sql, params, write=write, on_rows=on_rows, every=every)


def ticket_rows_copy_out(
    cursor,
    sql: str,
    params: dict,
    *,
    write: Callable[[bytes], object],
    on_rows: Callable[[int], None] | None = None,
    every: int = 0,
    options: str = "FORMAT csv",
) -> int:
    """COPY a rows statement's lines out through a psycopg `cursor` to `write` (see ticket_rows_copy_csv;
    no `on_rows`: no progress is told)."""
    rows, block = 0, bytearray()
    with cursor.copy(f"COPY ({sql}) TO STDOUT ({options})", params) as copy:
        for line in copy:  # the server sends one message per row
            block += line
            rows += 1
            if on_rows is not None and rows % every == 0:
                write(bytes(block))
                block.clear()
                on_rows(rows)
            elif len(block) >= _BLOCK_BYTES:
                write(bytes(block))
                block.clear()
    if block:
        write(bytes(block))
    return rows


_BLOCK_BYTES = 1 << 20
