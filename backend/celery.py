"""The Celery application.

Tasks only orchestrate: they load ids and call a service. Without ``REDIS_URL``
the broker is a folder on disk (kombu's filesystem transport), so the embedded
setup of ``make run`` runs a real worker and beat without any server.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("kurslotse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
