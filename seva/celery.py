from celery import Celery

from seva.startup import settings_module_required

settings_module_required()

app = Celery("seva")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
