"""The site's routes plus one view that fails, for the error-logging test."""
from django.urls import path

from config.urls import urlpatterns as site

BOOM = "deliberate failure for the logging test"


def boom(request):
    raise RuntimeError(BOOM)


urlpatterns = [path("boom/", boom), *site]
