"""The demo configuration of DESIGN.md: departments, handles, hashtags, units, routing, users.

Two ministries side by side (each a root of the tree, its own triage queue): Communications, as
DESIGN.md's table has it, and Railways, so the demo shows one installation serving several.
"""

import secrets
from dataclasses import dataclass
from datetime import date, time

from django.contrib.auth import get_user_model
from django.db import transaction

from departments.models import (
    AssignmentMode,
    BusinessCalendar,
    CannedResponse,
    Department,
    Hashtag,
    Holiday,
    Membership,
    OfficialAccount,
    Role,
    RoutingRule,
    SlaPolicy,
    WorkingPeriod,
)
from tickets.models import Category, TriageRule
from tickets.triage.defaults import CATEGORIES, DEPARTMENT_RULES

# code, English name, Hindi name, parent code, official handle, X user id, hashtag
DEPARTMENTS = [
    ("MOC", "Ministry of Communications", "संचार मंत्रालय", None, "manojsinhabjp", "1000001", None),
    ("DOT", "Department of Telecommunications", "दूरसंचार विभाग", "MOC", "DoT_India", "1000002", "DOTSeva"),
    ("BSNL", "Bharat Sanchar Nigam Ltd", "भारत संचार निगम लिमिटेड", "MOC", "BSNLCorporate", "1000003", "BSNLSeva"),
    (
        "MTNL",
        "Mahanagar Telephone Nigam Ltd",
        "महानगर टेलीफोन निगम लिमिटेड",
        "MOC",
        "MTNLOfficial",
        "1000004",
        "MTNLSeva",
    ),
    ("POSTS", "Department of Posts", "डाक विभाग", "MOC", "PostOfficeIndia", "1000005", "PostalSeva"),
    ("RAIL", "Ministry of Railways", "रेल मंत्रालय", None, "RailMinIndia", "1100001", None),
    (
        "RSEVA",
        "Railway Board Grievance Cell",
        "रेलवे बोर्ड शिकायत प्रकोष्ठ",
        "RAIL",
        "RailwaySeva",
        "1100002",
        "RailSeva",
    ),
    ("NR", "Northern Railway", "उत्तर रेलवे", "RAIL", "RailwayNorthern", "1100003", "NRSeva"),
    ("CR", "Central Railway", "मध्य रेलवे", "RAIL", "Central_Railway", "1100004", "CRSeva"),
]
# The roots above: each a ministry, whose official account is its minister's.
MINISTRIES = [code for code, _en, _hi, parent_code, *_rest in DEPARTMENTS if parent_code is None]

# Departments whose new tickets go to the least-loaded officer on duty (the rest are claimed by hand),
# so the demo shows both desks: BSNL's officers claim, the Posts officer is handed tickets.
AUTO_ASSIGNED = {"POSTS"}

# Units: code, English name, Hindi name, parent, place names that route a tweet to the unit.
# Each unit's places in Latin and Devanagari: a tweet in Hindi names पुणे, not Pune.
UNITS = [
    (
        "BSNL_KL",
        "BSNL Kerala Circle",
        "बीएसएनएल केरल सर्किल",
        "BSNL",
        ["Kerala", "Kochi", "Thiruvananthapuram", "Kozhikode", "Thrissur", "केरल", "कोच्चि"],
    ),
    (
        "BSNL_MH",
        "BSNL Maharashtra Circle",
        "बीएसएनएल महाराष्ट्र सर्किल",
        "BSNL",
        ["Maharashtra", "Pune", "Nagpur", "Nashik", "Aurangabad", "महाराष्ट्र", "पुणे", "नागपुर", "नासिक"],
    ),
    (
        "BSNL_UP",
        "BSNL Uttar Pradesh Circle",
        "बीएसएनएल उत्तर प्रदेश सर्किल",
        "BSNL",
        ["Lucknow", "Kanpur", "Varanasi", "Agra", "Prayagraj", "लखनऊ", "कानपुर", "वाराणसी", "आगरा"],
    ),
    ("MTNL_DL", "MTNL Delhi", "एमटीएनएल दिल्ली", "MTNL", ["Delhi", "New Delhi", "Dwarka", "Rohini", "दिल्ली"]),
    ("MTNL_MB", "MTNL Mumbai", "एमटीएनएल मुंबई", "MTNL", ["Mumbai", "Bombay", "Andheri", "Thane", "मुंबई", "ठाणे"]),
    # Railway divisions: some of their places are also telecom circles' (Delhi, Lucknow, Mumbai, Pune);
    # routing keeps each ministry's places to the tweets addressed to it.
    (
        "NR_DLI",
        "Northern Railway Delhi Division",
        "उत्तर रेलवे दिल्ली मंडल",
        "NR",
        ["Delhi", "New Delhi", "Hazrat Nizamuddin", "Anand Vihar", "दिल्ली"],
    ),
    ("NR_LKO", "Northern Railway Lucknow Division", "उत्तर रेलवे लखनऊ मंडल", "NR", ["Lucknow", "Charbagh", "लखनऊ"]),
    ("CR_BB", "Central Railway Mumbai Division", "मध्य रेलवे मुंबई मंडल", "CR", ["Mumbai", "CSMT", "Dadar", "मुंबई"]),
    ("CR_PUNE", "Central Railway Pune Division", "मध्य रेलवे पुणे मंडल", "CR", ["Pune", "Lonavala", "पुणे"]),
]

# The state each circle serves (the dashboard's map); Mumbai is in Maharashtra with BSNL's circle.
UNIT_STATES = {
    "BSNL_KL": "kl",
    "BSNL_MH": "mh",
    "BSNL_UP": "up",
    "MTNL_DL": "dl",
    "MTNL_MB": "mh",
    "NR_DLI": "dl",
    "NR_LKO": "up",
    "CR_BB": "mh",
    "CR_PUNE": "mh",
}

# Keyword rules for tweets that name neither a hashtag nor a handle.
KEYWORDS = [
    ("speed post", "POSTS"),
    ("parcel", "POSTS"),
    ("post office", "POSTS"),
    ("postman", "POSTS"),
    ("money order", "POSTS"),
    ("ftth", "BSNL"),
    ("bharat fiber", "BSNL"),
    ("bsnl", "BSNL"),
    ("mtnl", "MTNL"),
    ("spam call", "DOT"),
    ("sanchar saathi", "DOT"),
    ("mobile tower", "DOT"),
    ("pnr", "RSEVA"),
    ("irctc", "RSEVA"),
    ("train", "RSEVA"),
    ("rail madad", "RSEVA"),
]


# Central government office hours, inherited by every department without a calendar of its own:
# Monday to Friday with a lunch break, Saturday mornings, Sunday off.
WORKING_PERIODS = [
    *((weekday, time(9, 30), time(13, 0)) for weekday in range(6)),
    *((weekday, time(14, 0), time(18, 0)) for weekday in range(5)),
]
# Gazetted holidays (festival dates as in the central government's published lists; the
# department admins keep them current in the admin).
GAZETTED_HOLIDAYS = [
    (date(2026, 1, 26), "Republic Day"),
    (date(2026, 3, 4), "Holi"),
    (date(2026, 4, 3), "Good Friday"),
    (date(2026, 8, 15), "Independence Day"),
    (date(2026, 10, 2), "Gandhi Jayanti"),
    (date(2026, 10, 20), "Dussehra"),
    (date(2026, 11, 8), "Diwali"),
    (date(2026, 12, 25), "Christmas"),
    (date(2027, 1, 26), "Republic Day"),
    (date(2027, 3, 26), "Good Friday"),
    (date(2027, 8, 15), "Independence Day"),
    (date(2027, 10, 2), "Gandhi Jayanti"),
    (date(2027, 10, 29), "Diwali"),
    (date(2027, 12, 25), "Christmas"),
]
# A unit with a calendar of its own, to show that units may differ: Kerala observes Onam.
STATE_CALENDARS = {"BSNL_KL": ("Kerala Circle working days", [(date(2026, 8, 26), "Thiruvonam (Onam)")])}

# Business minutes. A working day is 450 minutes (09:30-13:00 and 14:00-18:00); P4's 21 days is
# CPGRAMS' outer limit for a grievance.
WORKING_DAY = 450
SLA_POLICIES = [
    ("p1", 30, 1 * WORKING_DAY),
    ("p2", 120, 3 * WORKING_DAY),
    ("p3", 480, 7 * WORKING_DAY),
    ("p4", 2 * WORKING_DAY, 21 * WORKING_DAY),
]
# Railways answer a passenger on a moving train faster (Rail Madad's targets), and keep the
# central government's calendar, named as their own.
RAILWAY_SLA_POLICIES = [
    ("p1", 15, WORKING_DAY // 2),
    ("p2", 60, 2 * WORKING_DAY),
    ("p3", 240, 5 * WORKING_DAY),
    ("p4", WORKING_DAY, 15 * WORKING_DAY),
]
# Per ministry: its calendar's name and its SLA policies (every department below inherits them).
MINISTRY_SERVICE_LEVELS = {
    "MOC": ("Government of India working days", SLA_POLICIES),
    "RAIL": ("Indian Railways working days", RAILWAY_SLA_POLICIES),
}

# Per department of Communications: title, English, Hindi. Placeholders {number} and {citizen}.
CANNED_RESPONSES = [
    (
        "Acknowledged, working on it",
        "Dear {citizen}, your complaint {number} is with our team. We will update you here.",
        "प्रिय {citizen}, आपकी शिकायत {number} हमारी टीम के पास है। हम यहीं आपको जानकारी देंगे।",
    ),
    (
        "Details needed",
        "Dear {citizen}, to resolve {number} please send us the account, phone or consignment number by DM.",
        "प्रिय {citizen}, शिकायत {number} के समाधान के लिए कृपया खाता, फ़ोन या कंसाइनमेंट संख्या DM में भेजें।",
    ),
]
RAILWAY_CANNED_RESPONSES = [
    CANNED_RESPONSES[0],
    (
        "Details needed",
        "Dear {citizen}, to resolve {number} please send us your PNR and mobile number by DM.",
        "प्रिय {citizen}, शिकायत {number} के समाधान के लिए कृपया अपना PNR और मोबाइल नंबर DM में भेजें।",
    ),
]
CANNED_RESPONSES_OF_MINISTRY = {"MOC": CANNED_RESPONSES, "RAIL": RAILWAY_CANNED_RESPONSES}


@dataclass(frozen=True)
class DemoUser:
    username: str
    department: str
    role: str
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "MOC", Role.DEPARTMENT_ADMIN, superuser=True),
    DemoUser("bsnl_officer", "BSNL", Role.OFFICER),
    DemoUser("bsnl_supervisor", "BSNL", Role.SUPERVISOR),
    DemoUser("posts_officer", "POSTS", Role.OFFICER),
    DemoUser("auditor", "MOC", Role.AUDITOR),
    DemoUser("rail_officer", "NR", Role.OFFICER),
    # The Ministry of Railways' admin: a department admin on its root, so its whole tree and nothing else.
    DemoUser("rail_admin", "RAIL", Role.DEPARTMENT_ADMIN),
]


def generate_demo_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def seed_demo(*, password: str, reset_passwords: bool = False) -> dict[str, int]:
    """Create what is missing and leave what exists alone: running it twice changes nothing.

    With `reset_passwords`, demo users whose password differs are given `password`, so the
    password that `make run` prints is always the one that works.
    """
    created = {"departments": 0, "users": 0}
    by_code: dict[str, Department] = {}
    ministry_of: dict[str, str] = {}
    for code, name_en, name_hi, parent_code, handle, x_user_id, tag in DEPARTMENTS:
        ministry_of[code] = ministry_of.get(parent_code, code)
        department, was_created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name_en": name_en,
                "name_hi": name_hi,
                "parent": by_code.get(parent_code),
                "assignment_mode": AssignmentMode.AUTO if code in AUTO_ASSIGNED else AssignmentMode.INHERIT,
            },
        )
        created["departments"] += was_created
        by_code[code] = department
        OfficialAccount.objects.get_or_create(
            x_user_id=x_user_id,
            defaults={"handle": handle, "department": department, "is_minister": code in MINISTRIES},
        )
        if tag:
            Hashtag.objects.get_or_create(tag=tag, defaults={"department": department})

    for code, name_en, name_hi, parent_code, places in UNITS:
        ministry_of[code] = ministry_of[parent_code]
        unit, was_created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name_en": name_en,
                "name_hi": name_hi,
                "parent": by_code[parent_code],
                "is_unit": True,
                "state_code": UNIT_STATES[code],
            },
        )
        created["departments"] += was_created
        if not unit.state_code:  # a database seeded before units named their state
            unit.state_code = UNIT_STATES[code]
            unit.save(update_fields=["state_code"])
        for place in places:
            RoutingRule.objects.get_or_create(
                kind=RoutingRule.Kind.PLACE, pattern=place, department=unit, defaults={"priority": 50}
            )
    for pattern, code in KEYWORDS:
        RoutingRule.objects.get_or_create(
            kind=RoutingRule.Kind.KEYWORD, pattern=pattern, department=by_code[code], defaults={"priority": 100}
        )

    _seed_service_levels(by_code, ministry_of)
    _seed_triage(by_code)

    user_model = get_user_model()
    for demo in DEMO_USERS:
        user = user_model.objects.filter(username=demo.username).first()
        if user is None:
            user = user_model(
                username=demo.username,
                is_superuser=demo.superuser,
                is_staff=demo.superuser,
                display_name=demo.username.replace("_", " ").title(),
                # Where the daily digest of the supervisor and the ministry's office goes (the console, locally).
                email=f"{demo.username}@seva-desk.example",
            )
            user.set_password(password)
            user.save()
            created["users"] += 1
        elif reset_passwords and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, department=by_code[demo.department], role=demo.role)
    return created


def _calendar(department: Department, name: str, holidays: list[tuple[date, str, str]]) -> None:
    calendar, _ = BusinessCalendar.objects.get_or_create(department=department, defaults={"name": name})
    if not calendar.periods.exists():
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=weekday, starts=starts, ends=ends)
            for weekday, starts, ends in WORKING_PERIODS
        )
    for day, holiday, kind in holidays:
        Holiday.objects.get_or_create(calendar=calendar, date=day, defaults={"name": holiday, "kind": kind})


def _seed_service_levels(by_code: dict[str, Department], ministry_of: dict[str, str]) -> None:
    """Each ministry's calendar and SLA policies (every department below inherits them), a unit
    calendar with a state holiday, and canned responses for each department."""
    gazetted = [(day, name, Holiday.Kind.GAZETTED) for day, name in GAZETTED_HOLIDAYS]
    for ministry, (calendar_name, policies) in MINISTRY_SERVICE_LEVELS.items():
        _calendar(by_code[ministry], calendar_name, gazetted)
        for priority, first_response, resolution in policies:
            SlaPolicy.objects.get_or_create(
                department=by_code[ministry],
                priority=priority,
                defaults={"first_response_minutes": first_response, "resolution_minutes": resolution},
            )
    for code, (name, state_holidays) in STATE_CALENDARS.items():
        # A unit's calendar replaces the inherited one, so it repeats the gazetted holidays.
        state = [(day, holiday, Holiday.Kind.STATE) for day, holiday in state_holidays]
        _calendar(Department.objects.get(code=code), name, gazetted + state)
    for code, department in by_code.items():
        for title, text_en, text_hi in CANNED_RESPONSES_OF_MINISTRY[ministry_of[code]]:
            CannedResponse.objects.get_or_create(
                department=department, title=title, defaults={"text_en": text_en, "text_hi": text_hi}
            )


def _seed_triage(by_code: dict[str, Department]) -> None:
    """The categories (shared, or a ministry's) and each department's default triage rules
    (tickets.triage.defaults); a category is known by its code and a rule by its department and
    name, so one an admin has edited is left as it is."""
    for code, name_en, name_hi, ministry in CATEGORIES:
        Category.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_hi": name_hi, "ministry": by_code.get(ministry)}
        )
    for department_code, rules in DEPARTMENT_RULES.items():
        for name, priority, category, cues in rules:
            TriageRule.objects.get_or_create(
                department=by_code[department_code],
                name=name,
                defaults={"priority": priority, "category_id": category, "cues": "\n".join(cues)},
            )
