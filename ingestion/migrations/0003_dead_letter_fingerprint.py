from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0002_inbox_outcome_feedback")]

    operations = [
        migrations.AddField(
            model_name="deadletter",
            name="fingerprint",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunSQL(
            """
            UPDATE ingestion_deadletter SET fingerprint = encode(sha256(convert_to(raw, 'UTF8')), 'hex');
            DELETE FROM ingestion_deadletter d USING ingestion_deadletter keep
             WHERE d.fingerprint = keep.fingerprint AND d.id > keep.id;
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="deadletter",
            name="fingerprint",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
