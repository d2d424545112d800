import pytest
from django.test import override_settings


@pytest.mark.parametrize("url", ["/admin/login/", "/health"])
def test_pages_send_the_security_headers(client, db, url):
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_hsts_is_sent_over_tls_only(client, db):
    assert "Strict-Transport-Security" not in client.get("/admin/login/")
    over_tls = client.get("/admin/login/", secure=True)
    assert over_tls["Strict-Transport-Security"].startswith("max-age=31536000")


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True)
def test_behind_a_tls_proxy_the_forwarded_proto_counts_as_tls(client, db):
    response = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response
