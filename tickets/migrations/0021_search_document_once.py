from importlib import import_module

from django.db import migrations

# A ticket opened by intake has the first 280 characters of its opening tweet as subject: the words
# of the subject are the words the messages begin with, and reading them twice (to_tsvector of the
# subject, then of the messages) was a third of the trigger's cost. The subject is read on its own
# only when the messages do not begin with it. And the messages' trigger reads only messages of
# tickets already there: a new ticket's messages, written before it, are read by its own insert.
START_WITH_MESSAGES_ONCE = """
CREATE OR REPLACE FUNCTION tickets_ticket_search_document_start() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    words text;
BEGIN
    SELECT string_agg(m.text, ' ' ORDER BY m.id) INTO words
      FROM tickets_ticketmessage m WHERE m.ticket_id = NEW.id AND m.kind <> 'ack';
    NEW.search_document := CASE
            WHEN words IS NOT NULL AND starts_with(words, COALESCE(NEW.subject, '')) THEN ''::tsvector
            ELSE to_tsvector('simple', COALESCE(NEW.subject, ''))
        END || COALESCE(to_tsvector('simple', words), ''::tsvector);
    RETURN NEW;
END $$;
"""
MESSAGES_ADD_TO_EXISTING_ONLY = """
CREATE OR REPLACE FUNCTION tickets_message_search_document_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticket t
       SET search_document = COALESCE(t.search_document, ''::tsvector) || to_tsvector('simple', m.words)
      FROM (SELECT a.ticket_id, string_agg(a.text, ' ' ORDER BY a.id) AS words
              FROM added_messages a
             WHERE a.kind <> 'ack' AND EXISTS (SELECT 1 FROM tickets_ticket e WHERE e.id = a.ticket_id)
             GROUP BY a.ticket_id) m
     WHERE t.id = m.ticket_id;
    RETURN NULL;
END $$;
"""
# Undone, the functions are 0019's again.
_0019 = import_module("tickets.migrations.0019_intake_search_document")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0020_category_ministry")]

    operations = [
        migrations.RunSQL(
            START_WITH_MESSAGES_ONCE + MESSAGES_ADD_TO_EXISTING_ONLY, _0019.START_WITH_MESSAGES + _0019.MESSAGES_ADD_TO_EXISTING
        )
    ]
