import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser


class BearerTokenMiddleware:
    """Accept `Authorization: Bearer <settings.SCIM_BEARER_TOKEN>` and act as a superuser.

    The service account is an unsaved User instance, so it never shows up in /Users.
    Anything else leaves request.user anonymous, and django-scim2's
    SCIMAuthCheckMiddleware answers 401 with WWW-Authenticate.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.expected = f"Bearer {settings.SCIM_BEARER_TOKEN}"

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header and hmac.compare_digest(header.encode(), self.expected.encode()):
            request.user = get_user_model()(
                username="scim-service", is_superuser=True, is_staff=True, is_active=True
            )
        else:
            request.user = AnonymousUser()
        return self.get_response(request)
