"""Events on the configuration that routes and serves tickets: departments, hashtags, official
accounts, routing rules, business calendars and SLA policies. None is on a ticket; `actor_id` is
the administrator.

Kind (builder): stored keys, and what they mean.

- config_changed (config_changed_event): model (the app label and model, "departments.hashtag");
  object_id; object (its name as the admin shows it); action ("add", "change", "delete");
  changes (each changed field, by its column name: [before, after], None for the side that does
  not exist on add and delete); related, only when rows saved with the object changed (a
  calendar's "periods" and "holidays"): per relation, "added" and "removed" (each row's fields with
  its "id") and "changed" (each row's "id" and its "changes", [before, after] by field).
"""

from tickets.audit import EventDraft
from tickets.models import EventKind


def config_changed_event(
    *,
    actor_id: int,
    model: str,
    object_id: int,
    object_label: str,
    action: str,
    changes: dict[str, list],
    related: dict[str, dict[str, list]] | None = None,
) -> EventDraft:
    """CONFIG_CHANGED: `actor_id` did `action` to object `object_id` of `model` (`object_label`),
    changing the fields in `changes` and the rows in `related`."""
    data = {"model": model, "object_id": object_id, "object": object_label, "action": action, "changes": changes}
    if related:
        data["related"] = related
    return EventDraft(EventKind.CONFIG_CHANGED, actor_id=actor_id, data=data)
