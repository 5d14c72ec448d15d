"""The site's WSGI application with the benchmarks' hello-world view beside
its URLs (bench/moderation_urls.py): what bench/http_bench.py serves."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
settings.ROOT_URLCONF = "bench.moderation_urls"  # before the first request resolves one
