from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

ROLE_LABELS = {
    "staff": _("管理员"),
    "enterprise": _("企业用户"),
    "provider": _("服务商用户"),
    "none": _("未关联单位"),
}


def navigation(request: HttpRequest) -> dict:
    """The header's facts: which role the user acts in, and the page to come back to after
    switching language."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {
        "user_role": role,
        "user_role_label": ROLE_LABELS.get(role, "") if role else "",
        "current_path": request.get_full_path(),
    }
