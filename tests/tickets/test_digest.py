"""The daily digest: its figures on a hand-built day whose answers are known, each recipient's scope,
who gets it and who chose not to, Hindi, the report attached, never twice for one day, a query count
that does not grow with the tickets, the beat's entry, and the settings page where staff choose."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from accounts.models import DailyDigestSent, User
from departments.models import Role
from seva.schedules import daily_digest_schedule
from tests.factories.tickets import department, staff, ticket_of
from tickets import tasks
from tickets.digest import services as digest_services
from tickets.digest.formatting import indian_date, indian_number
from tickets.digest.selectors import DIGEST_QUERIES, daily_digest, digest_recipients
from tickets.digest.services import daily_digest_send, daily_digests_send
from tickets.lifecycle import Priority, Status
from tickets.models import Feedback, Incident, IncidentStatus

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
DAY = date(2026, 11, 30)
# The digest of 30 November goes at 08:00 on 1 December.
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=IST)


def ist(day: int, hour: int, minute: int = 0, *, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=IST)


def user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.fixture
def day(seeded) -> dict:
    """30 November at BSNL (its Kerala and Maharashtra circles) and at POSTS, with known answers."""
    t = {}
    # Kerala: an urgent ticket answered in time; one never answered; one answered late.
    t["kl_met"] = ticket_of(
        "BSNL", unit="BSNL_KL", priority=Priority.P1, status=Status.IN_PROGRESS, created_at=ist(30, 10),
        first_response_due_at=ist(30, 12), first_responded_at=ist(30, 11), resolution_due_at=ist(3, 12, month=12),
    )  # fmt: skip
    t["kl_unanswered"] = ticket_of(
        "BSNL", unit="BSNL_KL", created_at=ist(30, 11), first_response_due_at=ist(30, 15),
        resolution_due_at=ist(4, 12, month=12),
    )  # fmt: skip
    t["kl_late"] = ticket_of(
        "BSNL", unit="BSNL_KL", status=Status.IN_PROGRESS, created_at=ist(29, 17),
        first_response_due_at=ist(30, 9, 45), first_responded_at=ist(30, 11), resolution_due_at=ist(3, 12, month=12),
    )  # fmt: skip
    # Maharashtra: one resolved late, one in time, both due and resolved that day.
    t["mh_late"] = ticket_of(
        "BSNL", unit="BSNL_MH", status=Status.RESOLVED, created_at=ist(28, 10), first_response_due_at=ist(28, 14),
        first_responded_at=ist(28, 12), resolution_due_at=ist(30, 16), resolved_at=ist(30, 17),
    )  # fmt: skip
    t["mh_met"] = ticket_of(
        "BSNL", unit="BSNL_MH", status=Status.RESOLVED, created_at=ist(29, 10), first_response_due_at=ist(29, 14),
        first_responded_at=ist(29, 11), resolution_due_at=ist(30, 12), resolved_at=ist(30, 10),
    )  # fmt: skip
    # BSNL itself: a ticket from the evening before, and one from this morning (neither received that day).
    t["bsnl_before"] = ticket_of("BSNL", created_at=ist(29, 23, 59))
    t["bsnl_today"] = ticket_of("BSNL", created_at=ist(1, 1, month=12))
    # Another department: none of it may reach BSNL's supervisor.
    t["posts"] = ticket_of(
        "POSTS", created_at=ist(30, 9), first_response_due_at=ist(30, 10), resolution_due_at=ist(2, 10, month=12)
    )
    Feedback.objects.create(ticket=t["mh_met"], rating=1, comment="Still no dial tone.", created_at=ist(30, 18))
    Feedback.objects.create(ticket=t["mh_late"], rating=4, created_at=ist(30, 19))
    Feedback.objects.create(ticket=t["kl_met"], rating=2, created_at=ist(29, 19))  # the day before
    Feedback.objects.create(ticket=t["posts"], rating=2, comment="Parcel lost.", created_at=ist(30, 20))
    kerala = Incident.objects.create(
        title="Broadband down in Kochi", department=department("BSNL"), unit=department("BSNL_KL")
    )
    t["kl_unanswered"].incident = kerala
    t["kl_unanswered"].save(update_fields=["incident"])
    Incident.objects.create(
        title="Old outage", department=department("BSNL"), status=IncidentStatus.RESOLVED, resolved_at=ist(20, 10)
    )
    Incident.objects.create(title="Speed post delays", department=department("POSTS"))
    t["kerala_incident"] = kerala
    return t


def test_figures_of_a_supervisor_are_those_of_their_department_that_day(day):
    digest = daily_digest(user=user("bsnl_supervisor"), day=DAY, now=NOW)

    assert (digest.received, digest.received_urgent, digest.resolved) == (2, 1, 2)
    assert (digest.first_response_due, digest.first_response_missed) == (3, 2)
    assert (digest.resolution_due, digest.resolution_missed) == (2, 1)
    assert (digest.targets_due, digest.targets_met, digest.targets_missed, digest.compliance_percent) == (
        5,
        2,
        3,
        40.0,
    )
    assert digest.breached == 3  # kl_unanswered, kl_late, mh_late
    assert (digest.open_now, digest.open_breached_now) == (5, 2)
    assert [(u.code, u.targets_due, u.targets_missed, u.compliance_percent) for u in digest.worst_units] == [
        ("BSNL_KL", 3, 2, 33.3),
        ("BSNL_MH", 2, 1, 50.0),
    ]
    assert digest.incidents_open == 1
    assert [(i.title, i.scope_code, i.tickets_count) for i in digest.incidents] == [
        ("Broadband down in Kochi", "BSNL_KL", 1)
    ]
    assert (digest.ratings_count, digest.ratings_average) == (2, 2.5)
    assert [(r.number, r.rating) for r in digest.low_ratings] == [(day["mh_met"].number, 1)]


def test_a_target_paused_before_it_fell_due_is_neither_met_nor_missed(day):
    # Waiting on the citizen since before its first response fell due that day: its clock stopped in time.
    ticket_of(
        "BSNL", unit="BSNL_KL", status=Status.AWAITING_CITIZEN, created_at=ist(30, 8),
        first_response_due_at=ist(30, 16), sla_paused_at=ist(30, 9),
    )  # fmt: skip
    digest = daily_digest(user=user("bsnl_supervisor"), day=DAY, now=NOW)

    assert (digest.first_response_due, digest.first_response_met, digest.first_response_missed) == (4, 1, 2)
    assert digest.compliance_percent == 40.0  # 2 met of 5 met or missed, as before
    assert digest.worst_units[0].compliance_percent == 33.3


def test_a_ministry_admin_sees_every_department(day):
    digest = daily_digest(user=user("admin"), day=DAY, now=NOW)

    assert (digest.received, digest.first_response_due, digest.first_response_missed) == (3, 4, 3)
    assert (digest.breached, digest.open_now, digest.open_breached_now) == (4, 6, 3)
    assert digest.worst_units[0].code == "POSTS"  # 0 of 1 kept
    assert digest.incidents_open == 2
    assert (digest.ratings_count, digest.ratings_average) == (3, 2.33)
    assert [r.number for r in digest.low_ratings] == [day["mh_met"].number, day["posts"].number]


def test_another_departments_supervisor_sees_only_theirs(day):
    staff("POSTS", Role.SUPERVISOR, username="posts_supervisor")
    digest = daily_digest(user=user("posts_supervisor"), day=DAY, now=NOW)

    assert (digest.received, digest.breached, digest.open_now, digest.incidents_open) == (1, 1, 1, 1)
    assert [r.number for r in digest.low_ratings] == [day["posts"].number]
    assert [u.code for u in digest.worst_units] == ["POSTS"]


def test_the_figures_cost_the_same_queries_however_many_tickets(day, django_assert_num_queries):
    supervisor = user("bsnl_supervisor")
    with django_assert_num_queries(DIGEST_QUERIES):
        daily_digest(user=supervisor, day=DAY, now=NOW)
    for hour in range(10, 20):
        ticket = ticket_of("BSNL", unit="BSNL_UP", created_at=ist(30, hour), first_response_due_at=ist(30, hour, 30))
        Feedback.objects.create(ticket=ticket, rating=1, created_at=ist(30, 21))
    with django_assert_num_queries(DIGEST_QUERIES):
        digest = daily_digest(user=supervisor, day=DAY, now=NOW)
    assert digest.received == 12
    assert digest.worst_units[0].code == "BSNL_UP"


def _mail_to(username: str):
    address = user(username).email
    [message] = [message for message in mail.outbox if message.to == [address]]
    return message


def test_supervisors_and_the_ministrys_office_get_it_officers_do_not(day):
    run = daily_digests_send(now=NOW)

    # Railways' ministry admin gets theirs too (the ministry's office of the other ministry).
    assert (run.day, run.sent, run.failed) == (DAY, 4, 0)
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        user(name).email for name in ("admin", "auditor", "bsnl_supervisor", "rail_admin")
    )
    message = _mail_to("bsnl_supervisor")
    assert message.subject == "Seva Desk daily digest for 30 November 2026"
    assert message.from_email == "sevadesk@localhost"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert "Broadband down in Kochi" in body
        assert f"http://127.0.0.1:8000/desk/t/{day['mh_met'].number}/" in body
        assert "BSNL_KL" in body
        # Nothing of another department: not its ticket, its rating's comment or its incident.
        assert day["posts"].number not in body
        assert "Parcel lost" not in body
        assert "Speed post delays" not in body
    assert "Received: 2 (1 urgent (P1))" in message.body
    assert "missed: 3 (compliance: 40.0%)" in message.body
    assert "2 of 3 targets missed (33.3% kept)" in message.body
    assert day["posts"].number in _mail_to("admin").body
    # Nothing of Communications' reaches Railways' digest.
    railways = _mail_to("rail_admin").body
    assert "BSNL" not in railways
    assert day["posts"].number not in railways


def test_the_days_accountability_report_is_attached_as_a_pdf(day):
    daily_digests_send(now=NOW)

    [(name, content, mimetype)] = _mail_to("bsnl_supervisor").attachments
    assert (name, mimetype) == ("seva-desk-report-2026-11-30.pdf", "application/pdf")
    assert content.startswith(b"%PDF")


def test_who_turned_it_off_does_not_get_it(day, client):
    supervisor = user("bsnl_supervisor")
    client.force_login(supervisor)
    response = client.post(reverse("workspace:settings"), {})  # the box unticked
    assert response.status_code == 302

    daily_digests_send(now=NOW)

    assert supervisor.email not in [address for message in mail.outbox for address in message.to]
    assert len(mail.outbox) == 3
    assert not User.objects.get(pk=supervisor.pk).receives_daily_digest


def test_staff_without_an_address_are_skipped(day):
    User.objects.filter(username="auditor").update(email="")
    assert sorted(u.username for u in digest_recipients(day=DAY)) == ["admin", "bsnl_supervisor", "rail_admin"]


def test_it_speaks_the_recipients_language(day):
    User.objects.filter(username="bsnl_supervisor").update(preferred_language="hi")

    daily_digests_send(now=NOW)

    message = _mail_to("bsnl_supervisor")
    assert message.subject == "सेवा डेस्क का 30 नवंबर 2026 का दैनिक सारांश"
    html, _mimetype = message.alternatives[0]
    assert '<html lang="hi">' in html
    for body in (message.body, html):
        assert "क्या आया" in body
        assert "बीएसएनएल केरल सर्किल" in html
    assert "What came in" not in message.body
    assert "What came in" in _mail_to("admin").body  # the others' stay English


@pytest.fixture
def eager_tasks():
    """Tasks run where they are queued, as a worker would run them (no broker)."""
    conf = tasks.daily_digest_task.app.conf
    conf.task_always_eager = True
    yield
    conf.task_always_eager = False


def test_beat_twice_or_a_redelivered_task_sends_nothing_twice(day, eager_tasks):
    supervisor = user("bsnl_supervisor")
    assert tasks.daily_digest_task.apply(kwargs={"day": DAY.isoformat()}).get() == 4
    assert tasks.daily_digest_task.apply(kwargs={"day": DAY.isoformat()}).get() == 0  # nobody is owed it now
    redelivered = tasks.daily_digest_send_task.apply(kwargs={"user_id": supervisor.pk, "day": DAY.isoformat()})
    assert redelivered.get() is False
    assert daily_digests_send(now=NOW).sent == 0
    assert daily_digest_send(user=supervisor, day=DAY, now=NOW) is False

    assert len(mail.outbox) == 4
    assert DailyDigestSent.objects.filter(day=DAY).count() == 4
    # The next morning is another day.
    assert daily_digests_send(day=date(2026, 12, 1), now=NOW).sent == 4


def test_two_runs_building_one_mail_at_once_send_it_once(day, monkeypatch):
    """The second of two runs that both found nothing sent yet meets the first's record: no second mail."""
    supervisor = user("bsnl_supervisor")
    assert daily_digest_send(user=supervisor, day=DAY, now=NOW) is True
    monkeypatch.setattr(digest_services, "digest_already_sent", lambda **kwargs: False)

    assert daily_digest_send(user=supervisor, day=DAY, now=NOW) is False
    assert len(mail.outbox) == 1


def test_a_failed_recipient_is_retried_alone(day, monkeypatch):
    real_write = digest_services.report_file_write
    broken = user("auditor")

    def write_failing_for_the_auditor(*, user, **kwargs):
        if user.pk == broken.pk:
            raise OSError("disk full")
        return real_write(user=user, **kwargs)

    monkeypatch.setattr(digest_services, "report_file_write", write_failing_for_the_auditor)
    run = daily_digests_send(now=NOW)
    assert (run.sent, run.failed) == (3, 1)
    assert not DailyDigestSent.objects.filter(user=broken, day=DAY).exists()

    monkeypatch.setattr(digest_services, "report_file_write", real_write)
    assert daily_digests_send(now=NOW).sent == 1
    assert [address for message in mail.outbox for address in message.to].count(broken.email) == 1
    assert len(mail.outbox) == 4


def test_a_recipients_task_retries_while_their_mail_fails_then_gives_up(day, eager_tasks, monkeypatch):
    attempts = []

    def write_failing(**kwargs):
        attempts.append(kwargs["user"].username)
        raise OSError("disk full")

    monkeypatch.setattr(digest_services, "report_file_write", write_failing)
    result = tasks.daily_digest_send_task.apply(kwargs={"user_id": user("auditor").pk, "day": DAY.isoformat()})

    assert result.state == "FAILURE"
    assert isinstance(result.result, OSError)
    assert attempts == ["auditor"] * (1 + tasks.DIGEST_RETRIES)
    assert mail.outbox == []
    assert not DailyDigestSent.objects.exists()


def test_a_recipient_who_turned_it_off_after_beat_gets_nothing(day):
    supervisor = user("bsnl_supervisor")
    User.objects.filter(pk=supervisor.pk).update(receives_daily_digest=False)

    assert tasks.daily_digest_send_task.apply(kwargs={"user_id": supervisor.pk, "day": DAY.isoformat()}).get() is False
    assert mail.outbox == []


def test_beat_sends_it_at_eight_in_the_morning_india_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["daily-digest"]

    assert entry["task"] == "tickets.tasks.daily_digest_task"
    assert entry["task"] in tasks.daily_digest_task.app.tasks
    assert settings.CELERY_TIMEZONE == "UTC"
    assert entry["schedule"] == crontab(minute=30, hour=2)  # 08:00 IST
    assert daily_digest_schedule("07:15", "Asia/Kolkata") == crontab(minute=45, hour=1)
    assert daily_digest_schedule("03:00", "Asia/Kolkata") == crontab(minute=30, hour=21)
    for bad in ("8", "24:00", "08:60", "eight", ""):
        with pytest.raises(ImproperlyConfigured):
            daily_digest_schedule(bad, "Asia/Kolkata")


def test_figures_and_dates_in_the_indian_way():
    assert [indian_number(n) for n in (0, 999, 1000, 123456, 1234567, -98765)] == [
        "0", "999", "1,000", "1,23,456", "12,34,567", "-98,765",
    ]  # fmt: skip
    assert indian_date(DAY) == "30 November 2026"


class TestSettingsPage:
    def test_a_supervisor_turns_it_off_and_on(self, seeded, client):
        supervisor = user("bsnl_supervisor")
        client.force_login(supervisor)
        page = client.get(reverse("workspace:settings"))
        assert page.status_code == 200
        assert b'name="receives_daily_digest"' in page.content
        assert b"checked" in page.content
        assert b'href="/desk/settings/" aria-current="page"' in page.content  # the header's link

        client.post(reverse("workspace:settings"), {})
        assert not User.objects.get(pk=supervisor.pk).receives_daily_digest
        client.post(reverse("workspace:settings"), {"receives_daily_digest": "on"})
        assert User.objects.get(pk=supervisor.pk).receives_daily_digest

    def test_an_officer_is_told_it_is_not_for_them_and_cannot_change_it(self, seeded, client):
        officer = user("bsnl_officer")
        client.force_login(officer)
        page = client.get(reverse("workspace:settings"))
        assert page.status_code == 200
        assert b'name="receives_daily_digest"' not in page.content
        assert client.post(reverse("workspace:settings"), {}).status_code == 403
        assert User.objects.get(pk=officer.pk).receives_daily_digest

    def test_signed_out_goes_to_sign_in(self, db, client):
        response = client.get(reverse("workspace:settings"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("workspace:login"))

    def test_hindi(self, seeded, client):
        client.force_login(user("bsnl_supervisor"))
        page = client.get(reverse("workspace:settings"), headers={"accept-language": "hi"})
        assert "दैनिक सारांश" in page.content.decode()

    def test_an_admin_sets_it_in_the_admin(self, seeded, client):
        client.force_login(user("admin"))
        supervisor = user("bsnl_supervisor")
        page = client.get(reverse("admin:accounts_user_change", args=[supervisor.pk]))
        assert b'name="receives_daily_digest"' in page.content


def test_in_production_the_mails_links_point_at_the_site_over_https():
    from tests.seva.test_production_settings import PRODUCTION_ENV, run_python

    code = "import django; from django.conf import settings; django.setup(); print(settings.SEVA_SITE_URL)"
    result = run_python(code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://seva.example.invalid"
    told = run_python(code, env={**PRODUCTION_ENV, "SEVA_SITE_URL": "https://desk.seva.gov.in"})
    assert told.stdout.strip().splitlines()[-1] == "https://desk.seva.gov.in"
