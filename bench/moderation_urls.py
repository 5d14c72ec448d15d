"""The site's URLs plus the moderation benchmark's anchors: a hello-world view
and Django's stock ModelAdmin list of the comments, on an admin site of its own."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import path

from comments.models import Comment
from config.urls import urlpatterns as site_urlpatterns

stock = admin.AdminSite(name="stock")
stock.register(Comment)  # nothing customised: what Django's admin costs on this table


def hello(request):
    return HttpResponse("Hello, world.")


urlpatterns = [
    path("bench/hello/", hello),
    path("bench/admin/", stock.urls),
    *site_urlpatterns,
]
