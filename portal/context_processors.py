from django.utils.functional import SimpleLazyObject


def _portal_client(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_client_viewer:
        return None
    return user.clients.first()


def portal(request):
    """`portal_client`: a client viewer's client (its name and logo head every page), read
    only by a page that shows it."""
    return {"portal_client": SimpleLazyObject(lambda: _portal_client(request))}
