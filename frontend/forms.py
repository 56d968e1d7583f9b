"""Forms of the pages that are not API clients: resident sign-up (Django auth)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _


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
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail already exists."))
        return email
