from macondo.client_ip import client_ip as visitor_ip


def client_ip(request):
    """The client's address for django-axes' admin login lockout.

    The same rule as every other client address (TRUSTED_PROXY_COUNT), so a lockout hits
    one client, not the proxy that all staff share. Not anonymised: a lockout of a whole
    /24 would lock out a whole office.
    """
    return visitor_ip(request.META, anonymize_ip=False)
