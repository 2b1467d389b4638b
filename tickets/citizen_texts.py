"""Every text Seva Desk posts to citizens by itself, in the ticket's language: the acknowledgement,
and what officers' actions (resolving, transferring) tell them. No links in any: X charges many
times more for a post with a URL; the ticket number is enough."""

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


def resolved_text(*, number: str, note: str, language: str) -> str:
    # The rating request names the ticket too: a long note splits the post into a thread, and X
    # refuses a part whose text it has seen before ("duplicate content") from the same account.
    if language == "hi":
        return (
            f"आपकी शिकायत {number} का समाधान हो गया है: {note}\n"
            f"कृपया इस पोस्ट के उत्तर में 1 (खराब) से 5 (बहुत अच्छा) तक की संख्या लिखकर {number} पर हमारी सेवा को "
            "रेटिंग दें।"
        )
    return (
        f"Your complaint {number} is resolved: {note}\n"
        f"Please rate our service on {number} from 1 (poor) to 5 (excellent) by replying to this post with the number."
    )


def transferred_text(*, number: str, department: Department, language: str) -> str:
    if language == "hi":
        return f"आपकी शिकायत {number} {department.name_in('hi')} को भेज दी गई है, जो इसी थ्रेड में आपको जानकारी देगा।"
    return f"Your complaint {number} has been passed to {department.name_en}, who will update you in this thread."
