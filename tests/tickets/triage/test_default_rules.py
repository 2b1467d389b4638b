"""The default triage rules seed_demo installs give the priority and category a reader would,
whichever script and spelling the citizen uses (tickets.triage.defaults, tickets.triage.rules)."""

import pytest

from departments.models import Department
from tickets.triage.rules import triage_classify_many

pytestmark = pytest.mark.django_db


def classify(code: str, text: str):
    department = Department.objects.get(code=code)
    return triage_classify_many(requests=[(department.id, text)])[0]


@pytest.mark.parametrize(
    ("code", "text", "priority", "category"),
    [
        # Money deducted, in each script and a few spellings.
        ("BSNL", "Recharge failed but paise kat gaye from my account", "p1", "money_deducted"),
        ("BSNL", "PAISE KAT GYE plzzz help!!!", "p1", "money_deducted"),
        ("BSNL", "paisa kat gaya aur recharge nahi hua", "p1", "money_deducted"),
        ("MTNL", "मेरे पैसे कट गए लेकिन रिचार्ज नहीं हुआ", "p1", "money_deducted"),
        ("POSTS", "Amount debited twice for the speed post booking", "p1", "money_deducted"),
        ("BSNL", "Rs 499 money deducted from my account", "p1", "money_deducted"),
        # Wrong bill.
        ("BSNL", "Got a wrong bill of Rs 4000 this month", "p2", "billing"),
        ("MTNL", "bill galat aaya hai sir", "p2", "billing"),
        ("BSNL", "इस महीने गलत बिल आया है", "p2", "billing"),
        # No service for days.
        ("BSNL", "No signal since 10 days in my village", "p2", "no_signal"),
        ("BSNL", "no signalll since 10 days!!!", "p2", "no_signal"),
        ("BSNL", "गाँव में नेटवर्क नहीं आ रहा १० दिन से", "p2", "no_signal"),
        ("BSNL", "network nahi hai 10 din se", "p2", "no_signal"),
        ("BSNL", "Bhai net band hai 3 din se", "p2", "broadband_down"),
        ("BSNL", "bhai net bandh hai", "p2", "broadband_down"),
        ("BSNL", "My broadband has been down for 4 days", "p2", "broadband_down"),
        ("MTNL", "मेरा ब्रॉडबैंड १० दिनों से बंद है", "p2", "broadband_down"),
        # Harassment, threat, fraud.
        ("DOT", "Someone keeps threatening me on calls", "p1", "harassment_fraud"),
        ("DOT", "एक नंबर से धमकी भरे कॉल आ रहे हैं", "p1", "harassment_fraud"),
        ("DOT", "ek number se dhamki mil rahi hai", "p1", "harassment_fraud"),
        ("BSNL", "A caller is harassing me daily", "p1", "harassment_fraud"),
        ("DOT", "Fraud SMS asking for KYC update", "p1", "harassment_fraud"),
        ("POSTS", "मेरे साथ धोखाधड़ी हुई है", "p1", "harassment_fraud"),
        ("MTNL", "mere saath dhokha hua", "p1", "harassment_fraud"),
        # Parcels and money orders (POSTS).
        ("POSTS", "My parcel lost in transit, no reply", "p2", "parcel_lost"),
        ("POSTS", "मेरा पार्सल गुम हो गया", "p2", "parcel_lost"),
        ("POSTS", "parcel kho gaya hai sir", "p2", "parcel_lost"),
        ("POSTS", "my money order never arrived", "p2", "money_order"),
        ("POSTS", "मनी ऑर्डर अभी तक नहीं मिला", "p2", "money_order"),
        # Praise and questions.
        ("MOC", "Thank you for the quick fix, great work", "p4", "praise_info"),
        ("BSNL", "धन्यवाद, समस्या हल हो गई", "p4", "praise_info"),
        ("POSTS", "How to open a post office savings account?", "p4", "praise_info"),
        ("BSNL", "new connection kaise karein?", "p4", "praise_info"),
    ],
)
def test_default_rules_give_the_expected_triage(seeded, code, text, priority, category):
    result = classify(code, text)
    assert (result.priority, result.category_id) == (priority, category), result.reason


def test_units_inherit_their_departments_rules(seeded):
    assert classify("BSNL_KL", "paise kat gaye").category_id == "money_deducted"


def test_the_highest_priority_wins_over_the_lower(seeded):
    result = classify("BSNL", "Thanks for nothing, paise kat gaye and no signal")
    assert result.priority == "p1"
    assert result.reason == "P1: Money deducted (“paise kat gaye”)"


def test_nothing_matching_is_p3_other(seeded):
    result = classify("BSNL", "Please update my address on the account")
    assert (result.priority, result.category_id, result.rule_id, result.reason) == ("p3", None, None, "")


def test_another_departments_rules_do_not_apply(seeded):
    # "money order" is a POSTS rule only.
    assert classify("BSNL", "money order").category_id is None


def test_the_demo_generators_complaints_get_the_triage_a_reader_would(seeded):
    from devtools.tweet_generator import COMPLAINTS

    def triaged(code):
        department = Department.objects.get(code=code)
        texts = [
            template.format(city="Pune", n=5, ref="BSNL-1", article="EK123456789IN")
            for _, template in COMPLAINTS[code]
        ]
        return {
            (r.priority, r.category_id) for r in triage_classify_many(requests=[(department.id, t) for t in texts])
        }

    # Telecom outages in every language are P2 service losses; thanks to the minister are P4.
    assert triaged("BSNL") <= {("p2", "no_signal"), ("p2", "broadband_down")}
    assert triaged("MTNL") == {("p2", "broadband_down")}
    assert triaged("MOC") == {("p4", "praise_info")}
    assert ("p1", "harassment_fraud") in triaged("DOT")


def test_the_demo_generators_railway_complaints_get_railway_triage(seeded):
    from devtools.tweet_generator import COMPLAINTS

    found = set()
    for code in ("RSEVA", "NR", "CR"):
        department = Department.objects.get(code=code)
        texts = [
            template.format(city="Pune", n=5, pnr=1234567890, train=12951, ref="1", article="E1IN")
            for _, template in COMPLAINTS[code]
        ]
        found |= {r.category_id for r in triage_classify_many(requests=[(department.id, t) for t in texts])}
    assert {"refund", "train_delay", "coach_cleanliness", "passenger_safety"} <= found
    # Nothing of Communications' categories reaches a railway complaint.
    assert not found & {"no_signal", "broadband_down", "parcel_lost"}
