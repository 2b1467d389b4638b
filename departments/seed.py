"""The demo configuration of DESIGN.md: departments, handles, hashtags, units, routing, users."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from departments.models import Department, Hashtag, Membership, OfficialAccount, Role, RoutingRule

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
]

# Units: code, English name, Hindi name, parent, place names that route a tweet to the unit.
UNITS = [
    (
        "BSNL_KL",
        "BSNL Kerala Circle",
        "बीएसएनएल केरल सर्किल",
        "BSNL",
        ["Kerala", "Kochi", "Thiruvananthapuram", "Kozhikode", "Thrissur"],
    ),
    (
        "BSNL_MH",
        "BSNL Maharashtra Circle",
        "बीएसएनएल महाराष्ट्र सर्किल",
        "BSNL",
        ["Maharashtra", "Pune", "Nagpur", "Nashik", "Aurangabad"],
    ),
    (
        "BSNL_UP",
        "BSNL Uttar Pradesh Circle",
        "बीएसएनएल उत्तर प्रदेश सर्किल",
        "BSNL",
        ["Lucknow", "Kanpur", "Varanasi", "Agra", "Prayagraj"],
    ),
    ("MTNL_DL", "MTNL Delhi", "एमटीएनएल दिल्ली", "MTNL", ["Delhi", "New Delhi", "Dwarka", "Rohini"]),
    ("MTNL_MB", "MTNL Mumbai", "एमटीएनएल मुंबई", "MTNL", ["Mumbai", "Bombay", "Andheri", "Thane"]),
]

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
]


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
    for code, name_en, name_hi, parent_code, handle, x_user_id, tag in DEPARTMENTS:
        department, was_created = Department.objects.get_or_create(
            code=code, defaults={"name_en": name_en, "name_hi": name_hi, "parent": by_code.get(parent_code)}
        )
        created["departments"] += was_created
        by_code[code] = department
        OfficialAccount.objects.get_or_create(
            x_user_id=x_user_id, defaults={"handle": handle, "department": department, "is_minister": code == "MOC"}
        )
        if tag:
            Hashtag.objects.get_or_create(tag=tag, defaults={"department": department})

    for code, name_en, name_hi, parent_code, places in UNITS:
        unit, was_created = Department.objects.get_or_create(
            code=code,
            defaults={"name_en": name_en, "name_hi": name_hi, "parent": by_code[parent_code], "is_unit": True},
        )
        created["departments"] += was_created
        for place in places:
            RoutingRule.objects.get_or_create(
                kind=RoutingRule.Kind.PLACE, pattern=place, department=unit, defaults={"priority": 50}
            )
    for pattern, code in KEYWORDS:
        RoutingRule.objects.get_or_create(
            kind=RoutingRule.Kind.KEYWORD, pattern=pattern, department=by_code[code], defaults={"priority": 100}
        )

    user_model = get_user_model()
    for demo in DEMO_USERS:
        user = user_model.objects.filter(username=demo.username).first()
        if user is None:
            user = user_model(
                username=demo.username,
                is_superuser=demo.superuser,
                is_staff=demo.superuser,
                display_name=demo.username.replace("_", " ").title(),
            )
            user.set_password(password)
            user.save()
            created["users"] += 1
        elif reset_passwords and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, department=by_code[demo.department], role=demo.role)
    return created
