"""Texts Seva Desk posts to citizens."""

from departments.models import Department
from tickets.post_text import without_leading_mentions

ACKNOWLEDGEMENT_OPENINGS = ("Thank you. Your complaint is registered with ", "धन्यवाद। आपकी शिकायत ")


def is_acknowledgement(text: str) -> bool:
    """Whether a post of ours is the automatic acknowledgement (which is no response to the citizen)."""
    return without_leading_mentions(text).startswith(ACKNOWLEDGEMENT_OPENINGS)


def acknowledgement_text(*, number: str, department: Department, language: str) -> str:
    """No link on purpose: X charges many times more for a post with a URL; the number is enough."""
    if language == "hi":
        return (
            f"धन्यवाद। आपकी शिकायत {department.name_in('hi')} में संख्या {number} के साथ दर्ज "
            f"हो गई है। हम इसी थ्रेड में आपको जानकारी देंगे।"
        )
    return (
        f"Thank you. Your complaint is registered with {department.name_en} as {number}. "
        f"We will update you in this thread."
    )
