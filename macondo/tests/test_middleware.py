from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseRedirect
from django.test import override_settings
from django.urls import path


@login_not_required
def flash_then_redirect(request):
    messages.success(request, "Saved.")
    return HttpResponseRedirect("/show")


@login_not_required
def show(request):
    return HttpResponse(" | ".join(str(m) for m in messages.get_messages(request)))


@login_not_required
def plain_redirect(request):
    return HttpResponseRedirect("https://example.com/")


urlpatterns = [
    path("flash", flash_then_redirect),
    path("show", show),
    path("away", plain_redirect),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_flash_message_survives_the_redirect_to_the_next_page(client, db):
    response = client.get("/flash", follow=True)
    assert response.content == b"Saved."
    assert client.get("/show").content == b""  # shown once


@override_settings(ROOT_URLCONF=__name__)
def test_a_redirect_that_uses_no_messages_sets_no_cookie_and_no_policy(client, db):
    response = client.get("/away")
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert "Content-Security-Policy" not in response


@override_settings(ROOT_URLCONF=__name__)
def test_pages_still_get_the_content_security_policy(client, db):
    response = client.get("/show")
    assert "default-src" in response["Content-Security-Policy"]
