"""The outbox's set-based SQL (tickets.services.outbox): the sender's claims, one statement each.

Claims lock with FOR UPDATE SKIP LOCKED, so two senders never claim one message."""

# What waits for each account's budget: queued or claimed messages per account and kind.
# Parameters: the queued and sending deliveries.
WAITING_BY_ACCOUNT_AND_KIND = """
    SELECT from_account_id, kind, count(*) FROM tickets_ticketmessage
     WHERE delivery IN (%s, %s) AND from_account_id IS NOT NULL
     GROUP BY from_account_id, kind
"""

# Due messages, by rank (officers' replies, then incident resolutions, then acknowledgements), then
# oldest due first, become "sending" with one more attempt, claimed now. Accounts with nothing left
# are skipped; incident resolutions and acknowledgements also wherever the budget is held for the
# kinds before them (the app's: `*_everywhere`).
CLAIM_DUE = """
    UPDATE tickets_ticketmessage m
       SET delivery = %(sending)s, attempts = m.attempts + 1, next_attempt_at = %(now)s
      FROM (SELECT id FROM tickets_ticketmessage
             WHERE delivery = %(queued)s AND next_attempt_at <= %(now)s AND from_account_id IS NOT NULL
               AND NOT (from_account_id = ANY(%(excluded)s::bigint[]))
               AND NOT (kind = %(incident)s
                        AND (%(incident_everywhere)s OR from_account_id = ANY(%(incident_held)s::bigint[])))
               AND NOT (kind = %(ack)s AND (%(ack_everywhere)s OR from_account_id = ANY(%(ack_held)s::bigint[])))
             ORDER BY CASE kind WHEN %(reply)s THEN 0 WHEN %(incident)s THEN 1 ELSE 2 END, next_attempt_at, id
             LIMIT %(limit)s
             FOR UPDATE SKIP LOCKED) due
     WHERE m.id = due.id
    RETURNING m.id
"""

# Messages left "sending" since before a time are claimed anew now.
# Parameters: now, the sending delivery, the time before which they count as stale, the limit.
CLAIM_STALE = """
    UPDATE tickets_ticketmessage m SET next_attempt_at = %s
      FROM (SELECT id FROM tickets_ticketmessage
             WHERE delivery = %s AND next_attempt_at <= %s
             ORDER BY next_attempt_at, id
             LIMIT %s
             FOR UPDATE SKIP LOCKED) stale
     WHERE m.id = stale.id
    RETURNING m.id
"""
