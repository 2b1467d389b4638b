"""One simulated day of triage at the seed's volume: 13,000 tweets with two outage surges.

    .venv/bin/python bench/triage.py                         # 13,000 tweets, two surges of 300
    .venv/bin/python bench/triage.py --tweets 3000 --surge 150   # a quicker look
    .venv/bin/python bench/triage.py --database seva_bench_x     # another database on DATABASE_URL's server
    BENCH_TRIAGE_MINUTES=660 .venv/bin/python bench/triage.py    # stop the day at 11:00 (India)
    .venv/bin/python bench/triage.py --hindi-places              # the surges' Hindi city names route to units
    .venv/bin/python bench/triage.py --database seva_bench_warm --baseline-from seva_bench_triage
                                          # detection's usual rates from an earlier run's day, as if every day

Runs in a fresh process against its own database (DATABASE_URL's server, database
`seva_bench_triage` unless told or BENCH_TRIAGE_DATABASE is set), reset and seeded each run, and
its own Redis (BENCH_REDIS_URL, else TEST_REDIS_URL, else REDIS_URL) for the posting budget
(outbox:budget:account:<id>, outbox:budget:app), forgotten at the start of each run.

Time is compressed: a simulated clock (a past working day, midnight to midnight in India) stands
in for `django.utils.timezone.now` (and the models' time defaults) and for the fake X API's clock,
advanced a minute at a time. Each minute:
- the tweets of that minute (devtools/tweet_generator.py traffic in a day's shape, plus the
  surges: 300 tweets each from one unit in 20 minutes, one category, Hindi and English) go
  through the real pipeline: ingestion.inbox.inbox_store, then inbox_process_tweets (routing,
  threading, triage, incidents, assignment at intake, acknowledgements into the outbox);
- every department and unit of the routes is in automatic assignment for the day (--assignment):
  intake's kick (the hook tickets/apps.py registers for the Celery task) runs
  tickets.services.assignment.tickets_auto_assign at once, and every minute it runs again for all,
  as the beat does;
- a supervisor resolves each open incident `--incident-minutes` after it opened
  (tickets.services.incidents.incident_resolve), its resolution posted through the outbox;
- in office hours (09:30 to 18:00, lunch 13:00 to 14:00), each simulated officer on duty
  replies to one of their tickets every `--officer-minutes` (claiming the oldest unassigned ticket
  of their scope when none is theirs) through tickets.services.ticket_actions.ticket_reply, and
  resolves some of them an hour later through ticket_transition;
- the outbox sender (ingestion.delivery.replies_send_due) posts to an in-process fake X API
  (devtools/fake_x) whose windows (each account's posts per 15 minutes, the app's per 24 hours) run
  on the simulated clock, answering with both windows' rate-limit headers.
Printed: tickets, incidents and their sizes, tickets per officer, replies and acknowledgements sent,
deferred and dropped, and the longest wait of an officer's reply for the posting budget. Figures
come from the database and the fake X at the end of the day; nothing is estimated.
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import bench_database_url, progress  # noqa: E402 - after the path is set

INDIA = ZoneInfo("Asia/Kolkata")
OFFICERS_PER_ROUTE = 3
ROUTES = ["DOT", "BSNL", "BSNL_KL", "BSNL_MH", "BSNL_UP", "MTNL", "MTNL_DL", "MTNL_MB", "POSTS"]
# Tweets per hour of the day (India), relative: quiet nights, a long working-day plateau.
HOURLY_SHAPE = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 7, 7, 7, 7, 7, 6, 6, 6, 5, 3, 2]
OFFICE_HOURS = [(9 * 60 + 30, 13 * 60), (14 * 60, 18 * 60)]
INCIDENT_NOTE = "The outage is fixed; service is restored."
# A supervisor each (a department's covers its units); MOC's for the ministry's own triage queue.
SUPERVISED = ["MOC", "DOT", "BSNL", "MTNL", "POSTS"]
RESOLVE_SHARE = 0.4

# Each surge: (name, start in India's time, the texts its citizens write; {area} and {n} vary them).
SURGES = [
    (
        "BSNL broadband down in Pune (BSNL_MH)",
        (10, 30),
        [
            ("en", "@BSNLCorporate BSNL broadband down in Pune {area} since {n} am, no internet at all #BSNLSeva"),
            ("en", "BSNL fiber not working in Pune {area}, whole area is down since morning @BSNLCorporate"),
            ("hi", "@BSNLCorporate पुणे {area} में बीएसएनएल ब्रॉडबैंड सुबह {n} बजे से बंद है, इंटरनेट नहीं चल रहा"),
            ("hi", "पुणे {area} में बीएसएनएल का इंटरनेट बंद है, ब्रॉडबैंड काम नहीं कर रहा @BSNLCorporate"),
            ("en", "Net band hai Pune {area} mein subah {n} baje se, BSNL broadband down @BSNLCorporate"),
        ],
        ["Kothrud", "Baner", "Hadapsar", "Aundh", "Wakad", "Shivajinagar", "Viman Nagar"],
    ),
    (
        "BSNL mobile signal lost in Lucknow (BSNL_UP)",
        (19, 0),
        [
            ("en", "@BSNLCorporate no BSNL signal in Lucknow {area} since {n} pm, calls not going #BSNLSeva"),
            ("en", "BSNL network gone in Lucknow {area}, no signal on any phone @BSNLCorporate"),
            ("hi", "@BSNLCorporate लखनऊ {area} में बीएसएनएल नेटवर्क नहीं है, {n} बजे से कॉल नहीं लग रही"),
            ("hi", "लखनऊ {area} में बीएसएनएल का सिग्नल नहीं आ रहा, नेटवर्क बंद है @BSNLCorporate"),
            ("en", "Lucknow {area} mein BSNL ka network nahi aa raha {n} baje se @BSNLCorporate"),
        ],
        ["Gomti Nagar", "Aliganj", "Hazratganj", "Indira Nagar", "Alambagh", "Chowk", "Aminabad"],
    ),
]
SURGE_MINUTES = 20
# --hindi-places: the surges' cities in Devanagari as place rules of their units. The seed names its
# units' places in Latin letters only, so a Hindi tweet naming पुणे routes to BSNL itself, not BSNL_MH.
HINDI_PLACES = [("पुणे", "BSNL_MH"), ("लखनऊ", "BSNL_UP")]


def _day_start() -> datetime:
    """Midnight (India) of the last working day (Monday to Friday) that has fully passed: in the
    past, so PostgreSQL's own now() never sits before the simulated one."""
    day = datetime.now(INDIA).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=INDIA).astimezone(UTC)


# --- the day's tweets -----------------------------------------------------------------------------


def day_pages(*, tweets: int, surge: int, day_start: datetime, seed: int = 9) -> tuple[list[tuple], dict]:
    """[(simulated second of the day, page)], sorted, and {tweet id: surge name} for the surges' tweets."""
    from devtools.tweet_generator import TweetGenerator

    rnd = random.Random(seed)
    far = day_start + timedelta(days=400)
    generator = TweetGenerator(seed=seed, start=day_start, now=lambda: far)
    background = tweets - surge * len(SURGES)
    weights = [w for w in HOURLY_SHAPE for _ in range(60)]
    minutes = sorted(rnd.choices(range(1440), weights=weights, k=background))
    seconds = [m * 60 + rnd.randrange(60) for m in minutes]
    pages = list(zip(sorted(seconds), generator.pages(background), strict=True))
    surge_ids = {}
    for name, (hour, minute), texts, areas in SURGES:
        begin = (hour * 60 + minute) * 60
        for _ in range(surge):
            lang, template = rnd.choice(texts)
            text = template.format(area=rnd.choice(areas), n=rnd.randint(6, 11))
            mentions = [("BSNLCorporate", "1000003")]
            if rnd.random() < 0.5:
                text = "@manojsinhabjp " + text
                mentions.append(("manojsinhabjp", "1000001"))
            page = generator._page(text=text, author=generator._citizen(), lang=lang, mentions=mentions)
            surge_ids[page["data"][0]["id"]] = name
            pages.append((begin + rnd.randrange(SURGE_MINUTES * 60), page))
    pages.sort(key=lambda item: item[0])
    # Ids in time order, as X's are; each tweet dated at its simulated moment. One new id per tweet,
    # not per page: the generator's repeated pages (a duplicate, an edit) keep sharing theirs, and no
    # two different tweets are given the same one.
    ids = iter(sorted({int(page["data"][0]["id"]) for _, page in pages}))
    renamed = {}
    for second, page in pages:
        tweet = page["data"][0]
        if tweet["id"] not in renamed:
            renamed[tweet["id"]] = str(next(ids))
        moment = day_start + timedelta(seconds=second)
        tweet["created_at"] = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for _, page in pages:
        tweet = page["data"][0]
        for key in ("id", "conversation_id"):
            tweet[key] = renamed.get(tweet[key], tweet[key])
        tweet["edit_history_tweet_ids"] = [renamed.get(i, i) for i in tweet["edit_history_tweet_ids"]]
        for reference in tweet.get("referenced_tweets", []):
            reference["id"] = renamed.get(reference["id"], reference["id"])
    return pages, {renamed[old]: name for old, name in surge_ids.items()}


# --- the simulated clock ----------------------------------------------------------------------------


class SimClock:
    """The simulated moment, for the product (timezone.now) and for the fake X API (its time and
    datetime), so rate-limit windows and resets run in simulated time."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def timestamp(self) -> float:
        return self.moment.timestamp()

    def install(self) -> list[str]:
        import datetime as dt
        import importlib
        import pkgutil
        import time as time_module

        from django.apps import apps
        from django.utils import timezone

        import devtools.fake_x

        clock = self
        original_now = timezone.now
        timezone.now = clock.now
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if getattr(field, "default", None) is original_now:
                    field.default = clock.now

        class _Time:
            def __getattr__(self, name):
                return getattr(time_module, name)

            def time(self) -> float:
                return clock.moment.timestamp()

        class _DateTime(dt.datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.moment if tz is None or tz is UTC else clock.moment.astimezone(tz)

            @classmethod
            def utcnow(cls):
                return clock.moment.replace(tzinfo=None)

        patched = []
        for info in pkgutil.iter_modules(devtools.fake_x.__path__):
            module = importlib.import_module(f"devtools.fake_x.{info.name}")
            if getattr(module, "time", None) is time_module:
                module.time = _Time()
                patched.append(f"{info.name}.time")
            if getattr(module, "datetime", None) is dt.datetime:
                module.datetime = _DateTime
                patched.append(f"{info.name}.datetime")
        return patched


# --- the run ----------------------------------------------------------------------------------------


def _officers() -> dict[int, dict]:
    """OFFICERS_PER_ROUTE officers on duty in each department and unit (besides the seed's)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from departments.models import Department, Membership, Role

    user_model = get_user_model()
    password = make_password("bench-password-1")
    officers = {}
    for department in Department.objects.filter(code__in=ROUTES):
        for k in range(OFFICERS_PER_ROUTE):
            username = f"bench_{department.code.lower()}_{k}"
            user = user_model.objects.create(username=username, password=password, display_name=username)
            Membership.objects.create(user=user, department=department, role=Role.OFFICER, on_duty=True)
            officers[user.id] = {"user": user, "scope_id": department.id, "code": department.code}
    seed_officers = Membership.objects.filter(role=Role.OFFICER, user__username__in=["bsnl_officer", "posts_officer"])
    for membership in seed_officers.select_related("user", "department"):
        officers[membership.user_id] = {
            "user": membership.user,
            "scope_id": membership.department_id,
            "code": membership.department.code,
        }
    return officers


def _supervisors() -> dict[int, object]:
    """{department id: a supervisor on duty there}: the seed's bsnl_supervisor, one of the bench's elsewhere."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from departments.models import Department, Membership, Role

    user_model = get_user_model()
    found = {
        m.department_id: m.user
        for m in Membership.objects.filter(role=Role.SUPERVISOR, department__code__in=SUPERVISED).select_related(
            "user"
        )
    }
    for department in Department.objects.filter(code__in=SUPERVISED).exclude(id__in=found):
        username = f"bench_{department.code.lower()}_supervisor"
        user = user_model.objects.create(
            username=username, password=make_password("bench-password-1"), display_name=username
        )
        Membership.objects.create(user=user, department=department, role=Role.SUPERVISOR, on_duty=True)
        found[department.id] = user
    return found


class _IncidentDesk:
    """The supervisors: each open incident is resolved `after_minutes` after it opened, at any hour
    (an outage is fixed when it is fixed), through tickets.services.incidents.incident_resolve, so its
    resolution goes to the citizens through the outbox (kind INCIDENT_RESOLUTION)."""

    def __init__(self, supervisors: dict[int, object], *, after_minutes: int) -> None:
        self.supervisors, self.after = supervisors, timedelta(minutes=after_minutes)
        self.resolved = 0
        self.refused: Counter = Counter()
        self.given_up: set[int] = set()  # incidents refused once are not tried again each minute

    def work(self, now: datetime) -> None:
        from tickets.models import Incident, IncidentStatus
        from tickets.services.errors import TicketActionError
        from tickets.services.incidents import incident_resolve

        due = (
            Incident.objects.filter(status=IncidentStatus.OPEN, opened_at__lte=now - self.after)
            .exclude(id__in=self.given_up)
            .order_by("id")
        )
        for incident_id, department_id in due.values_list("id", "department_id"):
            supervisor = self.supervisors.get(department_id)
            if supervisor is None:
                self.refused["no supervisor"] += 1
                self.given_up.add(incident_id)
                continue
            try:
                incident_resolve(actor=supervisor, incident=incident_id, note=INCIDENT_NOTE)
            except TicketActionError as exc:
                self.refused[exc.code] += 1
                self.given_up.add(incident_id)
                continue
            self.resolved += 1


_DAY_COUNTS = """
SELECT COALESCE(u.code, d.code), COALESCE(NULLIF(t.category_id, %s), ''), count(*)
  FROM tickets_ticket t JOIN departments_department d ON d.id = t.department_id
  LEFT JOIN departments_department u ON u.id = t.unit_id
 GROUP BY 1, 2
"""


def steady_level(per_day: float) -> float:
    """The decayed count (tickets.triage.surge's baseline level) of a scope that has had `per_day`
    tickets every day for long: the integral of per_day * 0.5 ** (age / half-life) over all ages."""
    from tickets.triage.surge import BASELINE_HALF_LIFE

    return per_day * (BASELINE_HALF_LIFE / timedelta(days=1)) / math.log(2)


def _warm_baselines(*, source: str, at: datetime) -> int:
    """Surge detection's baselines as if every day before this one had the tickets the bench database
    `source` (an earlier run) holds, per unit and category: detection then compares the day with a
    usual rate, not with none. Returns how many baselines were written."""
    import psycopg

    from departments.models import Department
    from tickets.models import OTHER_CATEGORY, IncidentBaseline

    with psycopg.connect(bench_database_url(source)) as conn:
        rows = conn.execute(_DAY_COUNTS, [OTHER_CATEGORY]).fetchall()
    ids = dict(Department.objects.values_list("code", "id"))
    IncidentBaseline.objects.all().delete()
    IncidentBaseline.objects.bulk_create(
        IncidentBaseline(scope_department_id=ids[code], category_key=key, level=steady_level(n), updated_at=at)
        for code, key, n in rows
        if code in ids
    )
    return len(rows)


def _in_office(minute_of_day: int) -> bool:
    return any(start <= minute_of_day < end for start, end in OFFICE_HOURS)


class _OfficerDesk:
    """The simulated officers: in office hours each takes one ticket every `minutes` (their own, else
    they claim the oldest unassigned one of their scope), replies through ticket_reply, and resolves
    a share of them an hour later through ticket_transition. Incidents' tickets are left to supervisors."""

    def __init__(self, officers: dict[int, dict], minutes: int, rnd: random.Random) -> None:
        self.officers, self.minutes, self.rnd = officers, minutes, rnd
        self.next_free = dict.fromkeys(officers, 0)
        self.replied: set[int] = set()
        self.claimed: set[int] = set()
        self.resolve_at: list[tuple] = []
        self.refused: Counter = Counter()

    def _next_ticket(self, officer_id: int, user) -> tuple[str, int] | None:
        from tickets.lifecycle import OPEN_STATUSES, Status
        from tickets.models import Ticket
        from tickets.services.errors import TicketActionError
        from tickets.services.ticket_actions import ticket_claim

        mine = (
            Ticket.objects.filter(assigned_to_id=officer_id, status__in=OPEN_STATUSES, incident__isnull=True)
            .exclude(id__in=self.replied)
            .order_by("id")
            .values_list("number", "id")
            .first()
        )
        if mine is not None:
            return mine
        waiting = (
            Ticket.objects.visible_to(user)
            .filter(assigned_to__isnull=True, status=Status.NEW, incident__isnull=True)
            .order_by("id")
            .values_list("number", "id")
            .first()
        )
        if waiting is None:
            return None
        try:
            ticket_claim(actor=user, number=waiting[0])
        except TicketActionError as exc:
            self.refused[f"claim: {exc.code}"] += 1
            return None
        self.claimed.add(waiting[1])
        return waiting

    def work(self, minute: int) -> None:
        from tickets.lifecycle import Status
        from tickets.services.errors import TicketActionError
        from tickets.services.ticket_actions import ticket_reply, ticket_transition

        if _in_office(minute % 1440):
            for officer_id, officer in self.officers.items():
                if self.next_free[officer_id] > minute:
                    continue
                self.next_free[officer_id] = minute + self.minutes + self.rnd.randrange(-1, 2)
                user = officer["user"]
                chosen = self._next_ticket(officer_id, user)
                if chosen is None:
                    continue
                number, ticket_id = chosen
                text = f"Dear citizen, {number} is with our field team; we will update you here. Sorry for the delay."
                try:
                    ticket_reply(actor=user, number=number, text=text)
                except TicketActionError as exc:
                    self.refused[f"reply: {exc.code}"] += 1
                self.replied.add(ticket_id)
                if self.rnd.random() < RESOLVE_SHARE:
                    self.resolve_at.append((minute + 60, user, number))
        for entry in [e for e in self.resolve_at if e[0] <= minute]:
            self.resolve_at.remove(entry)
            _, user, number = entry
            try:
                ticket_transition(actor=user, number=number, to=Status.RESOLVED, note=f"{number}: service restored.")
            except TicketActionError as exc:
                self.refused[f"resolve: {exc.code}"] += 1


def run_one(args: argparse.Namespace) -> dict:
    tweets, surge, assignment = args.tweets, args.surge, args.assignment
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seva.settings.local")
    django.setup()
    import orjson
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Q

    import ingestion.inbox
    from departments.models import Department, OfficialAccount, RoutingRule
    from departments.seed import seed_demo
    from devtools.fake_x import FakeXApi
    from ingestion import delivery
    from ingestion.delivery import replies_send_due
    from ingestion.enqueue import INBOX_KICK_KEY
    from ingestion.models import Door, InboxTweet
    from ingestion.parsing import parse_document
    from ingestion.routing import RoutingConfig
    from ingestion.x_client import XClient
    from tickets.lifecycle import OPEN_STATUSES
    from tickets.models import AuditEvent, EventKind, Incident, MessageKind, Ticket, TicketMessage
    from tickets.posting_budget import posting_budget_forget
    from tickets.services.assignment import auto_assign_register, tickets_auto_assign
    from tickets.services.outbox import SENDER_KICK_KEY, outbox_sender_register

    day_start = _day_start()
    progress(f"generating {tweets:,} tweets for {day_start.astimezone(INDIA):%a %d %b %Y} (India) ...")
    pages, surge_ids = day_pages(tweets=tweets, surge=surge, day_start=day_start)

    progress("resetting and seeding the database ...")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tickets_incident, tickets_escalation, tickets_auditevent, tickets_ticketmessage, "
            "tickets_ticket, tickets_ticketsequence, tickets_auditchainhead, ingestion_inboxtweet, "
            "ingestion_deadletter, departments_membership, accounts_user CASCADE"
        )
    seed_demo(password="bench-password-1")
    officers = _officers()
    supervisors = _supervisors()
    warmed = _warm_baselines(source=args.baseline_from, at=day_start) if args.baseline_from else 0
    if args.hindi_places:
        for place, code in HINDI_PLACES:
            unit = Department.objects.get(code=code)
            # seed_demo has them already; kept for databases seeded before it did.
            RoutingRule.objects.get_or_create(
                kind=RoutingRule.Kind.PLACE, pattern=place, department=unit, defaults={"priority": 50}
            )
    if assignment != "seed":
        # Every department and unit of the day's routes, explicitly (a unit's "inherit" would do the same).
        Department.objects.filter(code__in=ROUTES).update(assignment_mode=assignment)
    # The outbox's shared state lives in the cache: start the day with no budget left from another run.
    posting_budget_forget(account_ids=OfficialAccount.objects.values_list("id", flat=True), app=True)
    cache.delete_many([delivery._USAGE_CAP_KEY, SENDER_KICK_KEY, INBOX_KICK_KEY])
    # No Celery here: this loop is the worker. Ingestion is called directly, the sender runs each
    # minute, and intake's automatic-assignment kick (tickets/apps.py registers the task's .delay)
    # runs the assignment at once, after intake's commit, as the worker would a moment later.
    ingestion.inbox.inbox_kick = lambda: None
    outbox_sender_register(enqueue=lambda: None)
    kicks = Counter()

    def _assign_now(department_ids):
        kicks["runs"] += 1
        kicks["assigned"] += tickets_auto_assign(department_ids=department_ids)

    auto_assign_register(enqueue=_assign_now)

    clock = SimClock(day_start)
    patched = clock.install()
    # The fake X's rate windows (each account's 15 minutes, the app's 24 hours) run on the simulated clock.
    fake = FakeXApi(keepalive_interval=0.05, clock=clock.timestamp).start()
    client = XClient(base_url=fake.base_url, bearer_token="", timeout=10.0, account_tokens={})
    from devtools.fake_x.faults import APP_WINDOW_SECONDS, DEFAULT_APP_POST_LIMIT, DEFAULT_RATE_LIMITS, Endpoint

    limits = {
        "per account, POST /2/tweets per 15 min": DEFAULT_RATE_LIMITS.get(Endpoint.POST),
        f"per app, posts per {APP_WINDOW_SECONDS // 3600} h": DEFAULT_APP_POST_LIMIT,
    }

    rnd = random.Random(5)
    sends = Counter()
    incident_desk = _IncidentDesk(supervisors, after_minutes=args.incident_minutes)
    outcomes = Counter()
    desk = _OfficerDesk(officers, args.officer_minutes, rnd)
    position = 0
    config = RoutingConfig()
    started = time.perf_counter()
    for minute in range(1, int(os.environ.get("BENCH_TRIAGE_MINUTES", "1440")) + 1):
        clock.moment = day_start + timedelta(minutes=minute)
        end = minute * 60
        batch = []
        while position < len(pages) and pages[position][0] < end:
            batch.append(pages[position][1])
            position += 1
        if batch:
            fake.add_tweets([p["data"][0] for p in batch], [u for p in batch for u in p["includes"]["users"]])
            parsed_tweets, dead = [], []
            for page in batch:
                parsed = parse_document(orjson.dumps(page))
                parsed_tweets += parsed.tweets
                dead += parsed.dead_letters
            if minute % 60 == 0:
                config = RoutingConfig()
            stored = ingestion.inbox.inbox_store(tweets=parsed_tweets, dead_letters=dead, door=Door.STREAM)
            result = ingestion.inbox.inbox_process_tweets(stored.new, config=config)
            outcomes.update(result.counts())

        # The beat's run (every minute), which catches what intake's kicks left: an officer back with room.
        kicks["beat_assigned"] += tickets_auto_assign()

        desk.work(minute)
        incident_desk.work(clock.moment)

        summary = replies_send_due(client=client, limit=1000)
        sends.update(
            {
                "claimed": summary.claimed,
                "sent": summary.sent,
                "deferred": summary.deferred,
                "failed": summary.failed,
                "retrying": summary.retrying,
                "dropped": summary.dropped,
            }
        )
        if minute % 60 == 0:
            progress(
                f"  {clock.moment.astimezone(INDIA):%H:%M} India: {position:>6,} tweets in, "
                f"{Ticket.objects.count():>6,} tickets, {len(fake.posted):>6,} posts on X, "
                f"{sends['deferred']:>6,} deferrals  ({time.perf_counter() - started:.0f} s)"
            )
    wall = time.perf_counter() - started
    client.close()
    posted = fake.posted
    fake.stop()
    day_end = clock.moment

    # --- figures, from the database and the fake X -------------------------------------------------
    tickets = Ticket.objects.count()
    incidents = list(
        Incident.objects.annotate(size=Count("tickets")).select_related("unit", "department").order_by("-size")
    )
    surge_tickets = dict(
        InboxTweet.objects.filter(tweet_id__in=[int(i) for i in surge_ids], ticket_id__isnull=False).values_list(
            "tweet_id", "ticket_id"
        )
    )
    surge_figures = {}
    for name, *_ in SURGES:
        ids = {surge_tickets[int(t)] for t, n in surge_ids.items() if n == name and int(t) in surge_tickets}
        grouped = Ticket.objects.filter(id__in=ids, incident__isnull=False)
        biggest = grouped.values("incident_id").annotate(n=Count("id")).order_by("-n").first()
        surge_figures[name] = {
            "tickets": len(ids),
            "in_an_incident": grouped.count(),
            "in_its_biggest_incident": biggest["n"] if biggest else 0,
        }
    all_surge_ticket_ids = set(surge_tickets.values())
    ordinary_in_incidents = Ticket.objects.filter(incident__isnull=False).exclude(id__in=all_surge_ticket_ids).count()

    per_officer = dict(
        Ticket.objects.filter(assigned_to_id__in=list(officers)).values_list("assigned_to_id").annotate(n=Count("id"))
    )
    loads = sorted(per_officer.get(officer_id, 0) for officer_id in officers)
    auto_assigned = AuditEvent.objects.filter(kind=EventKind.ASSIGNED, actor__isnull=True).count()

    out = TicketMessage.objects.filter(direction="out")
    by_kind = {
        kind: dict(out.filter(kind=kind).values_list("delivery").annotate(n=Count("id")))
        for kind in (MessageKind.REPLY, MessageKind.ACKNOWLEDGEMENT, MessageKind.INCIDENT_RESOLUTION)
    }
    officer_replies = out.filter(kind=MessageKind.REPLY, sent_by__isnull=False)
    waits = _waits(officer_replies)
    kind_waits = {
        kind: _wait_figures(_waits(out.filter(kind=kind)))
        for kind in (MessageKind.ACKNOWLEDGEMENT, MessageKind.INCIDENT_RESOLUTION)
    }
    unsent = sorted(
        (day_end - created).total_seconds() / 60
        for created in officer_replies.filter(sent_at__isnull=True, delivery__in=["queued", "sending"]).values_list(
            "created_at", flat=True
        )
    )
    acks_per_ticket = Counter(
        out.filter(kind=MessageKind.ACKNOWLEDGEMENT, delivery="sent")
        .values("ticket_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    return {
        "day": f"{day_start.astimezone(INDIA):%a %d %b %Y}",
        "wall_seconds": round(wall, 1),
        "tweets": len(pages),
        "outcomes": dict(outcomes),
        "tickets": tickets,
        "tickets_open_at_end": Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
        "priorities": dict(Ticket.objects.values_list("priority").annotate(n=Count("id"))),
        "categories": dict(Ticket.objects.values_list("category_id").annotate(n=Count("id"))),
        "incidents": [
            {
                "title": i.title[:60],
                "where": (i.unit or i.department).code,
                "category": i.category_id,
                "status": i.status,
                "size": i.size,
            }
            for i in incidents
        ],
        "surges": surge_figures,
        "ordinary_in_incidents": ordinary_in_incidents,
        "officers": len(officers),
        "loads": loads,
        "auto_assigned": auto_assigned,
        "assign_kicks": dict(kicks),
        "incidents_resolved_by_bench": incident_desk.resolved,
        "incident_resolve_refused": dict(incident_desk.refused),
        "claimed_by_simulation": len(desk.claimed),
        "replied_tickets": len(desk.replied),
        "reply_errors": dict(desk.refused),
        "by_kind": by_kind,
        "acks_dropped_events": AuditEvent.objects.filter(kind=EventKind.ACK_DROPPED).count(),
        "acks_more_than_one_per_ticket": sum(n for k, n in acks_per_ticket.items() if k > 1),
        "sends": dict(sends),
        "posts_on_x": len(posted),
        "posts_per_account": dict(Counter(p.account for p in posted)),
        "reply_wait_minutes": {
            "sent": len(waits),
            "median": round(statistics.median(waits), 1) if waits else None,
            "p99": round(waits[max(0, int(len(waits) * 0.99) - 1)], 1) if waits else None,
            "max": round(waits[-1], 1) if waits else None,
            "unsent_at_day_end": len(unsent),
            "oldest_unsent": round(unsent[-1], 1) if unsent else None,
        },
        "kind_waits": kind_waits,
        "baselines_warmed": f"{warmed} from {args.baseline_from}" if warmed else "none (a cold start)",
        "limits": limits,
        "clock_patched": patched,
        "incidents_open_q": Incident.objects.filter(Q(status="open")).count(),
    }


def _waits(messages) -> list[float]:
    """Minutes from queued to posted of the sent `messages`, sorted (the sender runs once a simulated minute)."""
    rows = messages.filter(sent_at__isnull=False).values_list("created_at", "sent_at")
    return sorted((sent - created).total_seconds() / 60 for created, sent in rows)


def _wait_figures(waits: list[float]) -> dict:
    if not waits:
        return {"sent": 0}
    return {
        "sent": len(waits),
        "median": round(statistics.median(waits), 1),
        "p99": round(waits[max(0, int(len(waits) * 0.99) - 1)], 1),
        "max": round(waits[-1], 1),
        "over_5_min": sum(1 for w in waits if w > 5),
    }


def _print(r: dict) -> None:
    speed = 86400 / r["wall_seconds"]
    print(f"simulated day: {r['day']} (India), replayed in {r['wall_seconds']} s ({speed:.0f}x real time)")
    print(f"tweets: {r['tweets']:,}; outcomes: {', '.join(f'{k} {v:,}' for k, v in sorted(r['outcomes'].items()))}")
    print(f"tickets: {r['tickets']:,} ({r['tickets_open_at_end']:,} open at day end)")
    print(f"  priority: {', '.join(f'{k} {v:,}' for k, v in sorted(r['priorities'].items()))}")
    cats = sorted(r["categories"].items(), key=lambda kv: -kv[1])
    named = ", ".join(f"{code or 'other (none)'} {n:,}" for code, n in cats)
    print(f"  category: {named}")
    sizes = [i["size"] for i in r["incidents"]]
    print(f"surge detection's baselines: {r['baselines_warmed']}")
    print(f"incidents: {len(sizes)}; sizes {sizes[:20]}{' ...' if len(sizes) > 20 else ''}")
    for i in r["incidents"][:5]:
        print(f"  {i['size']:>4}  {i['where']:<8} {i['category'] or '-':<16} {i['status']:<8} {i['title']}")
    for name, s in r["surges"].items():
        share = f"{100 * s['in_its_biggest_incident'] / s['tickets']:.0f}%" if s["tickets"] else "-"
        print(
            f"  surge {name}: {s['tickets']} tickets, {s['in_an_incident']} in an incident, "
            f"{s['in_its_biggest_incident']} in one ({share}; goal 95%)"
        )
    print(f"  ordinary tickets in incidents: {r['ordinary_in_incidents']}")
    loads = r["loads"]
    print(
        f"tickets per officer ({r['officers']} officers): min {loads[0]}, median {statistics.median(loads):g}, "
        f"max {loads[-1]}; auto-assigned {r['auto_assigned']:,} (intake's kicks {r['assign_kicks']}), "
        f"claimed by the simulated officers {r['claimed_by_simulation']:,}"
    )
    reply, ack, incident = (r["by_kind"][k] for k in ("reply", "ack", "incident"))
    print(
        f"officers' replies and resolutions: {sum(reply.values()):,} queued for {r['replied_tickets']:,} tickets; "
        f"by delivery {reply}"
    )
    print(
        f"incident resolutions: {r['incidents_resolved_by_bench']} incidents resolved by supervisors"
        f"{' (refused ' + str(r['incident_resolve_refused']) + ')' if r['incident_resolve_refused'] else ''}; "
        f"{sum(incident.values()):,} posts queued; by delivery {incident}"
    )
    print(
        f"acknowledgements: {sum(ack.values()):,}; sent {ack.get('sent', 0):,}; by delivery {ack}; "
        f"dropped (ACK_DROPPED events) {r['acks_dropped_events']:,}; tickets with more than one sent "
        f"{r['acks_more_than_one_per_ticket']:,}"
    )
    s = r["sends"]
    print(
        f"sender over the day: {s.get('sent', 0):,} posted, {s.get('deferred', 0):,} deferred (429 from X), "
        f"{s.get('dropped', 0):,} acknowledgements dropped by the sender, "
        f"{s.get('failed', 0):,} failed, {s.get('retrying', 0):,} retried; posts on the fake X {r['posts_on_x']:,} "
        f"{r['posts_per_account']}"
    )
    w = r["reply_wait_minutes"]
    print(
        f"officer reply wait, queued to posted (simulated minutes): {w['sent']:,} sent, median {w['median']}, "
        f"p99 {w['p99']}, longest {w['max']}; {w['unsent_at_day_end']:,} still unsent at day end"
        + (f", the oldest waiting {w['oldest_unsent']} min" if w["oldest_unsent"] is not None else "")
    )
    for kind, k in r["kind_waits"].items():
        print(f"{kind} wait, queued to posted (simulated minutes): {k}")
    if r["reply_errors"]:
        print(f"officer actions refused: {r['reply_errors']}")
    patched = ", ".join(r["clock_patched"])
    print(f"posting limits in force: {r['limits'] or 'unknown'}; fake X clock patched: {patched}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tweets", type=int, default=13_000)
    parser.add_argument("--surge", type=int, default=300, help="tweets per surge (two surges)")
    parser.add_argument("--officer-minutes", type=int, default=6, help="minutes an officer takes per reply")
    parser.add_argument(
        "--assignment",
        choices=["auto", "manual", "seed"],
        default="auto",
        help="the departments' assignment mode for the day (seed: leave as seeded)",
    )
    parser.add_argument(
        "--incident-minutes", type=int, default=120, help="minutes from an incident opening to its resolution"
    )
    parser.add_argument(
        "--hindi-places", action="store_true", help="route the surges' Hindi tweets to their units (पुणे, लखनऊ)"
    )
    parser.add_argument(
        "--baseline-from",
        metavar="DATABASE",
        help="warm surge detection's baselines from the tickets of an earlier run's database, as a long run "
        "of such days (without it, detection starts the day with no usual rate at all)",
    )
    parser.add_argument("--database", default=os.environ.get("BENCH_TRIAGE_DATABASE", "seva_bench_triage"))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_one(args)))
        return
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    env = {**os.environ, "DATABASE_URL": bench_database_url(args.database), "LOG_LEVEL": "ERROR", "DEBUG": "false"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    subprocess.run([sys.executable, str(ROOT / "scripts" / "createdb.py")], env=env, check=True)
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--run",
            "--tweets",
            str(args.tweets),
            "--surge",
            str(args.surge),
            "--officer-minutes",
            str(args.officer_minutes),
            "--assignment",
            args.assignment,
            "--incident-minutes",
            str(args.incident_minutes),
            *(["--hindi-places"] if args.hindi_places else []),
            *(["--baseline-from", args.baseline_from] if args.baseline_from else []),
        ],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    _print(result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
