"""Asking a worker for ingestion work: tasks are sent by name, so no module needs to import the tasks.

Tasks are leaves: they call services, and nothing imports them. A service that wants work done later
comes here, and this module only names the task (`celery_app.send_task`), so the arrows stay one way:
door -> inbox -> enqueue, and tasks -> inbox.
"""

from django.core.cache import cache

from seva.celery import app as celery_app

INBOX_PROCESS_TASK = "ingestion.tasks.inbox_process"
# Set while a processing task is queued; doors skip enqueuing another one. The task clears it
# before it reads the inbox, so a row committed after that read enqueues a fresh task.
INBOX_KICK_KEY = "ingestion:inbox:kicked"


def inbox_kick() -> None:
    """Ask a worker to process the inbox, unless a request is already waiting."""
    if cache.add(INBOX_KICK_KEY, 1, timeout=60):
        # As the task's own .delay() would: its result is never read, so none is waited for.
        celery_app.send_task(INBOX_PROCESS_TASK, ignore_result=True)


def inbox_kick_again() -> None:
    """Ask again even if a request is said to be waiting (it may have been lost with its worker)."""
    cache.delete(INBOX_KICK_KEY)
    inbox_kick()
