"""The dashboard's API keys page: a colleague creates keys (the secret shown once), lists
and revokes their own. Admins see everyone's in the admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from accounts import policy

from . import keys
from .forms import ApiKeyForm
from .models import ApiKey


def _page(request, form, issued=None, status=200):
    owned = (
        ApiKey.objects.filter(user=request.user).select_related("user").prefetch_related("clients")
    )
    response = render(
        request,
        "api/keys.html",
        {"form": form, "keys": owned, "issued": issued},
        status=status,
    )
    if issued:
        # The secret is on this page only: no cache may keep it.
        add_never_cache_headers(response)
    return response


@login_required
def api_keys(request):
    policy.require(request.user, "api_keys")
    if request.method != "POST":
        return _page(request, ApiKeyForm(user=request.user))
    form = ApiKeyForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = keys.issue(
                user=request.user,
                name=data["name"],
                scopes=data["scopes"],
                clients=list(data["clients"]) or None,
                expires_at=data["expires_at"],
            )
        except ValidationError as error:
            form.apply_errors(error)
        else:
            return _page(request, ApiKeyForm(user=request.user), issued)
    return _page(request, form, status=400)


@login_required
@require_POST
def revoke_api_key(request, pk):
    policy.require(request.user, "api_keys")
    key = get_object_or_404(ApiKey, pk=pk, user=request.user)
    keys.revoke(key)
    messages.success(request, f"API key {key.prefix}… ({key.name}) revoked.")
    return redirect("api:keys")
