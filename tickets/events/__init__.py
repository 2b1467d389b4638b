"""The audit trail's vocabulary: one builder per kind of event, the only place an EventDraft is made.

Each builder takes its facts as named, typed, keyword-only arguments and returns the EventDraft
holding them under their stored keys; the caller appends it with tickets.audit.audit_events_append
in the transaction of the change it records. Builders do not append: a batch writer (intake, the
SLA sweep, auto-close, auto-assign, a merge) must append all its events in one call, which takes
the chain head's lock once, and a writer chooses when in its transaction that lock is taken (as
late as possible: it serialises every writer until commit).

The stored keys are a contract: they are hashed into the chain, the workspace's timeline reads them
(tickets.workspace.presenters), and so do reports and tests. A key keeps its name when its meaning
is clearer in Python: `from` is a status in ASSIGNED, STATUS_CHANGED and MERGED, a department code
in TRANSFERRED and an official account's handle in REPLY_SENT and REPLY_FAILED, so the builders
call it `from_status`, `from_department_code` or take the message it belongs to. Tweet ids are
stored as strings (a JSON number would lose their precision in a browser), times as ISO 8601.

By subject, each module's docstring lists its kinds and their stored keys:
- tickets.events.ticket: a ticket's life, CREATED to FEEDBACK (written on the ticket).
- tickets.events.incident: INCIDENT_OPENED to INCIDENT_RESOLVED, on each ticket an incident change touches.
- tickets.events.account: signing in, accounts, tokens, two-factor devices and roles (no ticket).
- tickets.events.configuration: CONFIG_CHANGED, for departments, hashtags, accounts and rules.
- tickets.events.report: EXPORTED, a report downloaded as a file.
"""
