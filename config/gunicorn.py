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
# Restart workers now and then: a slow leak never becomes an outage. Not
# often: a restart costs a worker a quarter of a second of CPU (measured
# with the app preloaded; twice that without), which every 2,000 requests
# was half a hello-world request's cost again on each request.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10
# The request id is the one Afterword's middleware gives the request and logs.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms [%({x-request-id}o)s] "%(a)s"'
# Trust X-Forwarded-* only from these proxies (the compose network's, by default none).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django's setup runs once, in the master, and each worker starts as a copy
# of it (no database or cache connection is opened before the first
# request, so none is shared). A new release needs the master restarted,
# as a new container does; HUP reloads the configuration only.
preload_app = True
