from django.db import migrations

GENESIS = "0" * 64

# Events are evidence: the database refuses to change or remove one, whoever asks.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION tickets_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused on event %', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tickets_auditevent_append_only
    BEFORE UPDATE OR DELETE ON tickets_auditevent
    FOR EACH ROW EXECUTE FUNCTION tickets_auditevent_refuse_change();
"""

ALLOW_CHANGE = """
DROP TRIGGER IF EXISTS tickets_auditevent_append_only ON tickets_auditevent;
DROP FUNCTION IF EXISTS tickets_auditevent_refuse_change();
"""


def create_chain_head(apps, schema_editor):
    apps.get_model("tickets", "AuditChainHead").objects.get_or_create(id=1, defaults={"last_hash": GENESIS})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunSQL(APPEND_ONLY, ALLOW_CHANGE),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
