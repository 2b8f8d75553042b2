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


class SignupForm(forms.Form):
    """What allauth's sign-up asks besides the address and password
    (``ACCOUNT_SIGNUP_FORM_CLASS``): the name and municipality, so course
    search starts near home, and the one optional consent that fits here,
    email messages. All optional, for the app's sign-up too."""

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

    def signup(self, request, user) -> None:
        from .constants import ConsentVia
        from .services import update_profile

        update_profile(
            user=user,
            via=ConsentVia.SIGNUP,
            **{
                name: self.cleaned_data[name]
                for name in ("full_name", "home_municipality")
                if self.cleaned_data.get(name)
            },
            notification_channels=["email"] if self.cleaned_data.get("email_notifications") else [],
        )
