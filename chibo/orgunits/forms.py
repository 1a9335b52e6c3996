from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.accounts.backends import find_user
from chibo.core.roles import Role
from chibo.members.models import Member
from chibo.orgunits.models import OrgUnit, PostKind, UnitKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput())

    def __init__(self, *args: Any, instance: OrgUnit | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "code": instance.code,
                    "kind": instance.kind,
                    "valid_from": instance.valid_from,
                    "valid_to": instance.valid_to,
                },
            )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date cannot be before the start date."))
        return data


class PostAssignForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Holder"), queryset=Member.objects.none())
    kind = forms.ChoiceField(label=_("Post"), choices=PostKind.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    decision = forms.CharField(label=_("Decision (number, date)"), max_length=100, required=False)

    def __init__(self, *args: Any, unit: OrgUnit, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Member.objects.filter(cell__path__startswith=unit.path).order_by(
            "sort_key"
        )


class PostEndForm(forms.Form):
    end_date = forms.DateField(label=_("Until"), widget=DateInput())


class GrantForm(forms.Form):
    user = forms.CharField(
        label=_("Username or phone number"),
        max_length=150,
        help_text=_("The person must already have an account."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = roles

    def clean_user(self) -> Any:
        user = find_user(self.cleaned_data["user"])
        if user is None or not user.is_active:
            raise forms.ValidationError(_("No active account has this username or phone number."))
        return user
