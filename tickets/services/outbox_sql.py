"""The outbox's set-based SQL (tickets.services.outbox): the sender's claims, one statement each.

Claims lock with FOR UPDATE SKIP LOCKED, so two senders never claim one message."""

# The accounts with messages due now. Parameters: the queued delivery, now.
DUE_ACCOUNT_IDS = (
    "SELECT DISTINCT from_account_id FROM tickets_ticketmessage "
    "WHERE delivery = %s AND next_attempt_at <= %s AND from_account_id IS NOT NULL"
)

# Due messages, oldest due first, become "sending" with one more attempt, claimed now.
# Parameters: the sending delivery, now, the queued delivery, now, excluded account ids, the limit.
CLAIM_DUE = """
    UPDATE tickets_ticketmessage m
       SET delivery = %s, attempts = m.attempts + 1, next_attempt_at = %s
      FROM (SELECT id FROM tickets_ticketmessage
             WHERE delivery = %s AND next_attempt_at <= %s AND from_account_id IS NOT NULL
               AND NOT (from_account_id = ANY(%s::bigint[]))
             ORDER BY next_attempt_at, id
             LIMIT %s
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
