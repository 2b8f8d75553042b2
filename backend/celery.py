"""The Celery application.

Tasks only orchestrate: they load ids and call a service. Without ``REDIS_URL``
the broker is a folder on disk (kombu's filesystem transport), so the embedded
setup of ``make run`` runs a real worker and beat without any server.
"""

import os
from pathlib import Path

from celery import Celery
from celery.signals import import_modules, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("kurslotse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@import_modules.connect
def _create_filesystem_broker_folders(**kwargs) -> None:
    """kombu's filesystem transport expects its folders to exist."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if app.conf.broker_url == "filesystem://" and options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(sender=None, **kwargs) -> None:
    """Django's connection lifecycle around each task, as around each request:
    a connection older than CONN_MAX_AGE, or one that failed, is closed; one
    that stayed idle is checked before its next use (CONN_HEALTH_CHECKS).
    Celery's fixup no longer closes it every time (CELERY_DB_REUSE_MAX)."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # runs inside the caller's request and transaction
    from django.db import close_old_connections

    close_old_connections()
