from django.http import HttpRequest

from marketplace.docking import selectors


def notifications(request: HttpRequest) -> dict:
    """The header bell's unread count (one COUNT query, only for logged-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": selectors.notification_list(user=user, unread_only=True).count()}
