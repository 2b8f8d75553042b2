"""The profile form: language, home municipality and how we reach the person."""

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.constants import OPTIONAL_CHANNELS
from places.models import Municipality

from .models import User


class ProfileForm(forms.ModelForm):
    # The inbox is always on; these are the channels a person may add.
    notification_channels = forms.MultipleChoiceField(
        label=_("Also tell me by"),
        choices=[(channel.value, channel.label) for channel in OPTIONAL_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("You always find every message in your inbox here."),
    )
    share_phone_with_coach = forms.BooleanField(
        label=_("Show my phone number to my coach"),
        required=False,
        help_text=_("Optional. Your coach can then call you. You can take this back at any time."),
    )

    class Meta:
        model = User
        fields = ["full_name", "preferred_language", "phone", "home_municipality"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_municipality"].queryset = Municipality.objects.order_by("name")
        self.fields["home_municipality"].help_text = _("We suggest courses near this place.")
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"


class EraseMeForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Type your password again to confirm that it is you."),
    )


class ErasePersonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example “letter of 3 March”. Do not write the person's name."),
    )


class AccessTrailForm(forms.Form):
    """The data-protection officer's filters on the access trail, for the page
    and (as the filter set's form) the API: whose data, who read it, and the
    days from ``since`` to ``until`` (both included, Berlin's dates)."""

    subject = forms.IntegerField(
        label=_("Whose data (person id)"), min_value=1, max_value=2**63 - 1, required=False
    )
    actor = forms.IntegerField(
        label=_("Read by (person id)"), min_value=1, max_value=2**63 - 1, required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return cleaned


class SignupForm(forms.Form):
    """What allauth's sign-up asks besides the address and password
    (``ACCOUNT_SIGNUP_FORM_CLASS``): the name and municipality, so course
    search starts near home, and the optional consents that fit here, email
    and text messages (each only with an address or a mobile number to send
    to). All optional, for the app's sign-up too; but an address or a phone
    number it needs, to sign in with."""

    full_name = forms.CharField(
        label=_("Your name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )  # fmt: skip
    home_municipality = forms.ModelChoiceField(
        label=_("Where you live"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        help_text=_("We suggest courses near this place."),
    )
    email_notifications = forms.BooleanField(
        label=_("Also send me my messages by email"),
        required=False,
        help_text=_("Optional. You always find every message in your inbox here."),
    )
    sms_notifications = forms.BooleanField(
        label=_("Also send me my messages by text message (SMS)"),
        required=False,
        help_text=_("Optional, to a mobile number."),
    )

    def clean(self):
        # allauth's fields (address, phone) are on the same form (this is its base).
        cleaned = super().clean()
        asks_both = "email" in self.fields and "phone" in self.fields
        given = cleaned.get("email") or cleaned.get("phone")
        if asks_both and not given and not self._errors:
            raise forms.ValidationError(
                _("Write your email address or your mobile phone number."),
                code="email_or_phone",
            )
        return cleaned

    def signup(self, request, user) -> None:
        from .constants import ConsentVia
        from .phones import can_receive_sms
        from .services import update_profile

        textable = bool(user.phone) and can_receive_sms(user.phone)
        update_profile(
            user=user,
            via=ConsentVia.SIGNUP,
            **{
                name: self.cleaned_data[name]
                for name in ("full_name", "home_municipality")
                if self.cleaned_data.get(name)
            },
            notification_channels=[
                *(["email"] if self.cleaned_data.get("email_notifications") and user.email else []),
                *(["sms"] if self.cleaned_data.get("sms_notifications") and textable else []),
            ],
        )
