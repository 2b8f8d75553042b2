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
