from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured


def client_ip(request):
    """The client's address for django-axes' admin login lockout.

    allauth's rule honours TRUSTED_PROXY_COUNT (X-Forwarded-For entries appended by our
    proxies), so a lockout hits one client, not the proxy that all staff share.
    """
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:
        # Fewer X-Forwarded-For entries than proxies we trust: the request did not come
        # through them. Count it against the connecting address rather than fail.
        return request.META.get("REMOTE_ADDR")
