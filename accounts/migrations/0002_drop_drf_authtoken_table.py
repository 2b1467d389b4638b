"""API tokens moved to django-rest-knox: DRF's static tokens (rest_framework.authtoken, no longer
installed) are dropped, so none of them keeps working and no orphan table holds a key to users
(which would also stop the test database from being flushed)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
