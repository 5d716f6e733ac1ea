from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    """Activate the language the user chose (the language cookie set by Django's ``set_language``
    view), else Chinese: unlike ``LocaleMiddleware`` the browser's Accept-Language is not consulted,
    because the site's audience reads Chinese first whatever their browser was shipped with.
    Under ``/api/`` a client without the cookie is answered in its Accept-Language (zh-hans or en)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.supported and request.path.startswith("/api/"):
            # API clients (a county portal, a provider's CRM) say what they read in the header.
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override, not activate: the thread goes back to its language after the response, so one
        # request's choice never leaks into whatever the thread does next (a test, a job, a request).
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
