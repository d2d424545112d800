"""The People page: admins give roles and clients, and sign people out everywhere."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from links.models import Client

from . import policy, roles
from .forms import PersonForm
from .models import User
from .sessions import end_sessions

PAGE_SIZE = 100


@login_required
def people(request):
    policy.require(request.user, "manage_roles")
    q = request.GET.get("q", "").strip()[:200]
    everyone = User.objects.prefetch_related(
        Prefetch("clients", Client.objects.order_by("name"))
    ).order_by("email")
    if q:
        everyone = everyone.filter(email__icontains=q) | everyone.filter(name__icontains=q)
    page = Paginator(everyone, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/people.html", {"page": page, "q": q})


@login_required
def person(request, pk):
    policy.require(request.user, "manage_roles")
    someone = get_object_or_404(User, pk=pk)
    myself = someone.pk == request.user.pk
    initial = {
        "role": someone.role,
        "clients": list(someone.clients.all()),
        "is_active": someone.is_active,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if myself:
        # Nobody takes away their own admin rights by a slip: another admin can.
        form.fields["role"].disabled = form.fields["is_active"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = roles.assign(
            someone, data["role"], list(data["clients"]), is_active=data["is_active"]
        )
        if changes:
            messages.success(request, f"{someone.email}: {'; '.join(changes)}.")
        else:
            messages.info(request, f"{someone.email}: nothing changed.")
        return redirect("accounts:people")
    return render(
        request, "accounts/person.html", {"person": someone, "form": form, "myself": myself}
    )


@login_required
@require_POST
def person_sign_out(request, pk):
    policy.require(request.user, "manage_roles")
    someone = get_object_or_404(User, pk=pk)
    end_sessions(someone)
    messages.success(request, f"{someone.email} is signed out everywhere.")
    if someone.pk == request.user.pk:
        return redirect("account_login")
    return redirect("accounts:person", pk=someone.pk)
