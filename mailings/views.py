"""Dashboard pages for report subscriptions, reached from a client's or campaign's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from links.lookups import fetch
from links.models import Campaign, Client

from . import delivery
from .emails import period_label
from .forms import SubscriptionForm
from .models import ReportSubscription

KINDS = {"clients": Client, "campaigns": Campaign}


def _subscription(request, pk):
    """The subscription, if the person may manage reports of its client (else 404 / 403)."""
    queryset = ReportSubscription.objects.select_related("client", "campaign__client")
    subscription = get_object_or_404(queryset, pk=pk)
    policy.require(request.user, "subscribe_reports", subscription.subject)
    return subscription


def _page_of(subscription):
    if subscription.campaign_id:
        return redirect("analytics:campaign", pk=subscription.campaign_id)
    return redirect("analytics:client", pk=subscription.client_id)


def _form_page(request, form, subject, title):
    return render(
        request,
        "mailings/subscription_form.html",
        {"form": form, "subject": subject, "title": title},
    )


@login_required
def subscription_create(request, kind, pk):
    subject = fetch(request.user, KINDS[kind], pk, "subscribe_reports")
    instance = ReportSubscription(created_by=request.user)
    setattr(instance, "campaign" if kind == "campaigns" else "client", subject)
    form = SubscriptionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        subscription = form.save()
        messages.success(
            request,
            f"{subscription} created: the first one goes out after its first full "
            f"{'week' if subscription.frequency == 'weekly' else 'month'}.",
        )
        return _page_of(subscription)
    return _form_page(request, form, subject, f"New scheduled report of {subject.name}")


@login_required
def subscription_edit(request, pk):
    subscription = _subscription(request, pk)
    form = SubscriptionForm(request.POST or None, instance=_subscription(request, pk))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{form.instance} saved.")
        return _page_of(subscription)
    return _form_page(request, form, subscription.subject, f"Edit {subscription}")


@login_required
def subscription_delete(request, pk):
    subscription = _subscription(request, pk)
    if request.method == "POST":
        subscription.delete()
        messages.success(request, f"{subscription} deleted: no more emails are sent.")
        return _page_of(subscription)
    return render(request, "mailings/confirm_delete.html", {"subscription": subscription})


@login_required
@require_POST
def subscription_send(request, pk):
    """Send the latest complete period's email now (once per period, as the scheduler)."""
    subscription = _subscription(request, pk)
    outcome = delivery.send_due(
        latest=True, subscriptions=ReportSubscription.objects.filter(pk=subscription.pk)
    )
    if outcome.sent:
        _, period = outcome.sent[0]
        messages.success(request, f"Report for {period_label(period)} sent.")
    elif outcome.failed:
        messages.error(request, "The email could not be sent; it is retried automatically.")
    else:
        messages.info(request, "The latest period's report was already sent.")
    return _page_of(subscription)
