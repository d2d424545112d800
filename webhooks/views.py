"""Dashboard pages for webhook subscriptions. Each colleague sees and manages their own;
anyone else's answers 404."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import policy

from . import services
from .forms import SubscriptionForm
from .models import Delivery, Subscription


def _owned(request, pk):
    policy.require(request.user, "webhooks")
    return get_object_or_404(Subscription.objects.owned_by(request.user), pk=pk)


@login_required
def subscription_list(request):
    policy.require(request.user, "webhooks")
    subscriptions = services.with_last_delivery(Subscription.objects.owned_by(request.user))
    return render(request, "webhooks/subscription_list.html", {"subscriptions": subscriptions})


@login_required
def subscription_create(request):
    policy.require(request.user, "webhooks")
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.create_subscription(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(
                request,
                "Subscription created. Show its signing secret below and give it to the "
                "receiver, so it can check every delivery is ours.",
            )
            return redirect("webhooks:detail", pk=subscription.pk)
    return render(request, "webhooks/subscription_form.html", {"form": form})


def _detail(request, subscription, **extra):
    return render(
        request,
        "webhooks/subscription_detail.html",
        {
            "subscription": subscription,
            "deliveries": services.recent_deliveries(subscription),
            **extra,
        },
    )


@login_required
def subscription_detail(request, pk):
    return _detail(request, _owned(request, pk))


@never_cache
@login_required
@require_POST
def subscription_secret(request, pk):
    # A POST, so the secret is in no URL, history entry or cache.
    return _detail(request, _owned(request, pk), show_secret=True)


@login_required
@require_POST
def subscription_rotate(request, pk):
    subscription = services.rotate_secret(_owned(request, pk))
    messages.success(
        request,
        "New signing secret made: deliveries from now on are signed with it. "
        "Give it to the receiver.",
    )
    return _detail(request, subscription, show_secret=True)


@login_required
@require_POST
def subscription_pause(request, pk):
    subscription = _owned(request, pk)
    if subscription.is_active:
        services.pause_subscription(
            subscription, reason=f"Paused by {request.user.get_full_name()}."
        )
        messages.success(request, "Paused: no new events are sent until you resume it.")
    return redirect("webhooks:detail", pk=subscription.pk)


@login_required
@require_POST
def subscription_resume(request, pk):
    subscription = _owned(request, pk)
    if not subscription.is_active:
        services.resume_subscription(subscription)
        messages.success(request, "Resumed: deliveries that waited are sent now.")
    return redirect("webhooks:detail", pk=subscription.pk)


@login_required
def subscription_delete(request, pk):
    subscription = _owned(request, pk)
    if request.method == "POST":
        services.delete_subscription(subscription)
        messages.success(request, f"Subscription to {subscription.url} deleted.")
        return redirect("webhooks:list")
    pending = subscription.deliveries.filter(status=Delivery.Status.PENDING).count()
    return render(
        request,
        "webhooks/confirm_delete.html",
        {"subscription": subscription, "pending": pending},
    )


@login_required
def delivery_detail(request, pk):
    policy.require(request.user, "webhooks")
    delivery = get_object_or_404(
        Delivery.objects.select_related("event", "subscription").filter(
            subscription__owner=request.user
        ),
        pk=pk,
    )
    body = json.dumps(json.loads(delivery.event.body), indent=2, ensure_ascii=False)
    return render(
        request,
        "webhooks/delivery_detail.html",
        {
            "delivery": delivery,
            "subscription": delivery.subscription,
            "attempts": delivery.attempt_log.order_by("-started_at")[:100],
            "body": body,
        },
    )
