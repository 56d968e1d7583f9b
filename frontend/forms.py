"""Forms of the pages that are not API clients: sign-in and resident sign-up (Django auth)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.auth import email_in_use
from common.logins import LOCKED_CODE, is_locked_out, lock_message, mark_lock_shown


class SignInForm(AuthenticationForm):
    """Django's sign-in form, which says so when too many failures have locked signing in
    (django-axes refused the attempt, `common.logins`), instead of "wrong password"."""

    def get_invalid_login_error(self) -> ValidationError:
        if self.request is not None and is_locked_out(self.request):
            mark_lock_shown(self.request)  # the page is the answer: 429 + Retry-After
            return ValidationError(lock_message(self.request), code=LOCKED_CODE)
        return super().get_invalid_login_error()


class AdminSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin's sign-in form (staff only), saying so when signing in is locked."""


class ResidentRegistrationForm(UserCreationForm):
    """A resident account: username, e-mail and the password twice."""

    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("For booking confirmations and reminders."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        if email_in_use(email):
            raise forms.ValidationError(_("An account with this e-mail already exists."))
        return email
