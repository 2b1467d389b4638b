import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The dashboard's rollup (tickets.models.DashboardRollup), kept by statement-level triggers on
# tickets_ticket: each INSERT, UPDATE or DELETE statement adds its rows' counts (+1 for the new rows,
# -1 for the old ones, so an update that changes nothing counted cancels out and writes nothing) as
# new delta rows, one per key, never updating a row: concurrent writers never wait on each other. Why triggers, not the services:
# tickets are written by bulk SQL (the intake, the SLA sweep, auto-close, incidents) as well as by the
# ORM, and a trigger is the one place no writer can miss (the search document of 0014 is kept the same
# way). Hours are India's (Asia/Kolkata, the app's TIME_ZONE): an India day is 24 of them.

ROLLUP_SQL = """
INSERT INTO tickets_dashboardrollup
       (hour, department_id, unit_id, category_id, received, resolved, due, due_met, due_waiting)
SELECT d.hour, t.department_id, t.unit_id, t.category_id,
       sum(t.sign * d.received), sum(t.sign * d.resolved), sum(t.sign * d.due),
       sum(t.sign * d.due_met), sum(t.sign * d.due_waiting)
  FROM (%(changes)s) AS t
 CROSS JOIN LATERAL (VALUES
       (date_trunc('hour', t.created_at, 'Asia/Kolkata'), 1, 0, 0, 0, 0),
       (date_trunc('hour', t.resolved_at, 'Asia/Kolkata'), 0, 1, 0, 0, 0),
       (CASE WHEN t.status <> 'rejected' THEN date_trunc('hour', t.resolution_due_at, 'Asia/Kolkata') END, 0, 0, 1,
        CASE WHEN t.resolved_at <= t.resolution_due_at THEN 1 ELSE 0 END,
        CASE WHEN t.resolved_at IS NULL AND t.sla_paused_at <= t.resolution_due_at THEN 1 ELSE 0 END)
 ) AS d(hour, received, resolved, due, due_met, due_waiting)
 WHERE d.hour IS NOT NULL
 GROUP BY 1, 2, 3, 4
HAVING sum(t.sign * d.received) <> 0 OR sum(t.sign * d.resolved) <> 0 OR sum(t.sign * d.due) <> 0
    OR sum(t.sign * d.due_met) <> 0 OR sum(t.sign * d.due_waiting) <> 0"""
# Business times (tickets.models.DashboardDuration): one histogram bucket per ticket and measure, by
# the India day of the response or the resolution; floor(40 * ln(1 + minutes)) keeps each bucket
# within 1.3% of the times it holds.
DURATION_SQL = """
INSERT INTO tickets_dashboardduration (day, department_id, unit_id, measure, bucket, tickets)
SELECT d.day, t.department_id, t.unit_id, d.measure, d.bucket, sum(t.sign)
  FROM (%(changes)s) AS t
 CROSS JOIN LATERAL (VALUES
       ((t.first_responded_at AT TIME ZONE 'Asia/Kolkata')::date, 1,
        floor(40 * ln(1 + t.first_response_business_seconds / 60.0))::int),
       ((t.resolved_at AT TIME ZONE 'Asia/Kolkata')::date, 2,
        floor(40 * ln(1 + t.resolution_business_seconds / 60.0))::int)
 ) AS d(day, measure, bucket)
 WHERE d.bucket IS NOT NULL AND d.day IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5
HAVING sum(t.sign) <> 0"""
# What is open (tickets.models.DashboardOpen): per department, unit and India hour of the urgency key;
# an open ticket's key is before QUEUE_CLOSED_AT (tickets.models).
OPEN_SQL = """
INSERT INTO tickets_dashboardopen (due_hour, department_id, unit_id, tickets)
SELECT date_trunc('hour', t.queue_due_at, 'Asia/Kolkata'), t.department_id, t.unit_id, sum(t.sign)
  FROM (%(changes)s) AS t
 WHERE t.queue_due_at < '9999-01-01 00:00:00+00'
 GROUP BY 1, 2, 3
HAVING sum(t.sign) <> 0"""
COLUMNS = (
    "department_id, unit_id, category_id, status, created_at, resolved_at, resolution_due_at, sla_paused_at, "
    "first_responded_at, first_response_business_seconds, resolution_business_seconds, queue_due_at"
)
CHANGES = {
    "insert": f"SELECT 1 AS sign, {COLUMNS} FROM rollup_new",  # noqa: S608 - constants  # nosec B608
    "update": f"SELECT 1 AS sign, {COLUMNS} FROM rollup_new UNION ALL SELECT -1, {COLUMNS} FROM rollup_old",  # noqa: S608  # nosec B608
    "delete": f"SELECT -1 AS sign, {COLUMNS} FROM rollup_old",  # noqa: S608 - constants  # nosec B608
}

TRIGGERS_TEMPLATE = """
CREATE FUNCTION tickets_dashboard_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{insert};
{insert_durations};
{insert_open};
    RETURN NULL;
END $$;
CREATE FUNCTION tickets_dashboard_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{update};
{update_durations};
{update_open};
    RETURN NULL;
END $$;
CREATE FUNCTION tickets_dashboard_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{delete};
{delete_durations};
{delete_open};
    RETURN NULL;
END $$;
-- TRUNCATE fires no row or transition-table trigger: the rollup goes with the tickets.
CREATE FUNCTION tickets_dashboard_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_dashboardrollup;
    DELETE FROM tickets_dashboardduration;
    DELETE FROM tickets_dashboardopen;
    RETURN NULL;
END $$;
CREATE TRIGGER tickets_dashboard_rollup_truncate AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_dashboard_rollup_truncate();
CREATE TRIGGER tickets_dashboard_rollup_insert AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS rollup_new FOR EACH STATEMENT EXECUTE FUNCTION tickets_dashboard_rollup_insert();
CREATE TRIGGER tickets_dashboard_rollup_update AFTER UPDATE ON tickets_ticket
    REFERENCING NEW TABLE AS rollup_new OLD TABLE AS rollup_old
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_dashboard_rollup_update();
CREATE TRIGGER tickets_dashboard_rollup_delete AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS rollup_old FOR EACH STATEMENT EXECUTE FUNCTION tickets_dashboard_rollup_delete();
"""
TRIGGERS = TRIGGERS_TEMPLATE.format(  # nosec B608 - our own constants
    **{
        f"{op}{suffix}": sql % {"changes": changes}
        for op, changes in CHANGES.items()
        for suffix, sql in (("", ROLLUP_SQL), ("_durations", DURATION_SQL), ("_open", OPEN_SQL))
    }
)
# The tickets already there, counted once.
EXISTING = f"SELECT 1 AS sign, {COLUMNS} FROM tickets_ticket"  # noqa: S608 - constants  # nosec B608
BACKFILL = "".join(sql % {"changes": EXISTING} + ";\n" for sql in (ROLLUP_SQL, DURATION_SQL, OPEN_SQL))
DROP = """
DROP TRIGGER tickets_dashboard_rollup_insert ON tickets_ticket;
DROP TRIGGER tickets_dashboard_rollup_update ON tickets_ticket;
DROP TRIGGER tickets_dashboard_rollup_delete ON tickets_ticket;
DROP TRIGGER tickets_dashboard_rollup_truncate ON tickets_ticket;
DROP FUNCTION tickets_dashboard_rollup_insert();
DROP FUNCTION tickets_dashboard_rollup_update();
DROP FUNCTION tickets_dashboard_rollup_delete();
DROP FUNCTION tickets_dashboard_rollup_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0006_state_code"),
        ("tickets", "0015_business_seconds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DashboardRollup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("hour", models.DateTimeField()),
                ("received", models.IntegerField(default=0)),
                ("resolved", models.IntegerField(default=0)),
                ("due", models.IntegerField(default=0)),
                ("due_met", models.IntegerField(default=0)),
                ("due_waiting", models.IntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(fields=["raised_at"], name="escalation_raised_at"),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(fields=["created_at"], name="feedback_created_at"),
        ),
        migrations.AddField(
            model_name="dashboardrollup",
            name="category",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="tickets.category",
            ),
        ),
        migrations.AddField(
            model_name="dashboardrollup",
            name="department",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="departments.department",
            ),
        ),
        migrations.AddField(
            model_name="dashboardrollup",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="departments.department",
            ),
        ),
        migrations.AddIndex(
            model_name="dashboardrollup",
            index=models.Index(fields=["hour"], name="dashboard_rollup_hour"),
        ),
        migrations.CreateModel(
            name="DashboardDuration",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("measure", models.PositiveSmallIntegerField(choices=[(1, "first response"), (2, "resolution")])),
                ("bucket", models.PositiveSmallIntegerField()),
                ("tickets", models.IntegerField(default=0)),
                (
                    "department",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="departments.department",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="departments.department",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="dashboardduration",
            index=models.Index(fields=["day"], name="dashboard_duration_day"),
        ),
        migrations.CreateModel(
            name='DashboardOpen',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_hour', models.DateTimeField()),
                ('tickets', models.IntegerField(default=0)),
                ('department', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.department')),
                ('unit', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.department')),
            ],
        ),
        migrations.RunSQL(TRIGGERS + BACKFILL, DROP),
    ]
