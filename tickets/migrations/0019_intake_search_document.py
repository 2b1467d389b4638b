from django.db import migrations

# Intake writes a batch's messages before its new tickets (the foreign keys are deferred): a new
# ticket's search document then takes its messages' words as it is inserted, instead of the
# messages' statement trigger (0014) rewriting every ticket of the batch a moment after its insert.
# That rewrite was a second version of each new row in every index of tickets_ticket, and a
# dashboard rollup update (0016) that cancelled itself out: it cost intake more than its inserts.
# The document is the same: the subject's words, then those of every message but acknowledgements.
# The messages' trigger now reads the words only of messages whose ticket is there to update.
START_WITH_MESSAGES = """
CREATE OR REPLACE FUNCTION tickets_ticket_search_document_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := to_tsvector('simple', COALESCE(NEW.subject, '')) || COALESCE(
        (SELECT to_tsvector('simple', string_agg(m.text, ' '))
           FROM tickets_ticketmessage m WHERE m.ticket_id = NEW.id AND m.kind <> 'ack'),
        ''::tsvector);
    RETURN NEW;
END $$;
"""
MESSAGES_ADD_TO_EXISTING = """
CREATE OR REPLACE FUNCTION tickets_message_search_document_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticket t
       SET search_document = COALESCE(t.search_document, ''::tsvector) || to_tsvector('simple', m.words)
      FROM (SELECT ticket_id, string_agg(text, ' ') AS words
              FROM added_messages WHERE kind <> 'ack' GROUP BY ticket_id) m
     WHERE t.id = m.ticket_id;
    RETURN NULL;
END $$;
"""
MESSAGES_ADD = """
CREATE OR REPLACE FUNCTION tickets_message_search_document_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticket t
       SET search_document = COALESCE(t.search_document, ''::tsvector) || m.words
      FROM (SELECT ticket_id, to_tsvector('simple', string_agg(text, ' ')) AS words
              FROM added_messages WHERE kind <> 'ack' GROUP BY ticket_id) m
     WHERE t.id = m.ticket_id;
    RETURN NULL;
END $$;
"""
START_WITH_SUBJECT = """
CREATE OR REPLACE FUNCTION tickets_ticket_search_document_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := to_tsvector('simple', COALESCE(NEW.subject, ''));
    RETURN NEW;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0018_audit_event_kinds_account_credentials")]

    operations = [migrations.RunSQL(START_WITH_MESSAGES + MESSAGES_ADD_TO_EXISTING, START_WITH_SUBJECT + MESSAGES_ADD)]
