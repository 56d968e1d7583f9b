"""Sign in, sign out and resident sign-up (Django auth under /accounts/)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from frontend.forms import ResidentRegistrationForm, SignInForm


class SignInView(LoginView):
    """Sign in. Too many failures from one address or for one username lock signing in for a
    while (django-axes, `common.logins`): the form then says until when, answered with 429."""

    template_name = "frontend/accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@sensitive_post_parameters("password1", "password2")
def register(request: HttpRequest) -> HttpResponse:
    """Create a resident account and sign it in."""
    if request.user.is_authenticated:
        return redirect("frontend:home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        form = ResidentRegistrationForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome, %(name)s! Your account is ready.") % {"name": user.get_username()},
            )
            return redirect(next_url or "frontend:home")
    else:
        form = ResidentRegistrationForm()
    return render(request, "frontend/accounts/register.html", {"form": form, "next": next_url})
