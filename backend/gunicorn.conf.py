"""gunicorn settings for production (``gunicorn -c backend/gunicorn.conf.py``).

Workers come from ``WEB_CONCURRENCY`` (gunicorn reads it itself). The access
log goes to stdout with calendar feed tokens masked (backend/gunicorn_logging.py).
"""

bind = "0.0.0.0:8000"
accesslog = "-"
logger_class = "backend.gunicorn_logging.MaskingLogger"
