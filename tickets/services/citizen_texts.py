"""What officers' actions tell the citizen, in the ticket's language. No links: see tickets/replies.py."""

from departments.models import Department


def resolved_text(*, number: str, note: str, language: str) -> str:
    if language == "hi":
        return (
            f"आपकी शिकायत {number} का समाधान हो गया है: {note}\n"
            "कृपया इस पोस्ट के उत्तर में 1 (खराब) से 5 (बहुत अच्छा) तक की संख्या लिखकर हमारी सेवा को रेटिंग दें।"
        )
    return (
        f"Your complaint {number} is resolved: {note}\n"
        "Please rate our service from 1 (poor) to 5 (excellent) by replying to this post with the number."
    )


def transferred_text(*, number: str, department: Department, language: str) -> str:
    if language == "hi":
        return f"आपकी शिकायत {number} {department.name_in('hi')} को भेज दी गई है, जो इसी थ्रेड में आपको जानकारी देगा।"
    return f"Your complaint {number} has been passed to {department.name_en}, who will update you in this thread."
