"""gunicorn's settings for Afterword: gunicorn -c config/gunicorn.py config.wsgi

Every value can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# The usual rule for synchronous workers: two per CPU and one more.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))  # a worker silent this long is restarted
graceful_timeout = 20
keepalive = 5
# Restart workers now and then: a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# The request id is the one Afterword's middleware gives the request and logs.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms [%({x-request-id}o)s] "%(a)s"'
# Trust X-Forwarded-* only from these proxies (the compose network's, by default none).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Keep each worker's start-up work (Django's setup) out of the master.
preload_app = False
