from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.vietnamese import nfc
from chibo.members import selectors
from chibo.members.models import Member, Sex, TheoryLevel
from chibo.members.services import RECORD_FIELDS, RecordData
from chibo.orgunits.models import OrgUnit

# Typed the Vietnamese way on any language setting; ISO is what a date picker sends.
DATE_INPUTS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class TextDateInput(forms.DateInput):
    """A text box for dd/mm/yyyy: quicker than a date picker for a birth date on a cheap phone."""

    def __init__(self) -> None:
        super().__init__(
            format="%d/%m/%Y",
            attrs={"placeholder": _("dd/mm/yyyy"), "autocomplete": "off", "maxlength": 10},
        )


def _text(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


class MemberForm(forms.Form):
    """Every typed-in field of a record (``services.RecordData``); ``version`` when editing."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth_name = _text(_("Birth name"), 150, help_text=_("If different from the full name."))
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, input_formats=DATE_INPUTS, widget=TextDateInput()
    )
    ethnicity = _text(_("Ethnicity"), 40)
    religion = _text(_("Religion"), 40)
    home_town = _text(_("Home town"), 200)
    residence = _text(_("Residence"), 200)
    citizen_id = _text(
        _("Citizen ID number"),
        14,
        help_text=_("12 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    phone = _text(_("Phone number"), 20, widget=forms.TextInput(attrs={"type": "tel"}))
    education = _text(_("General education"), 20, help_text=_("E.g. 12/12."))
    theory_level = forms.ChoiceField(
        label=_("Political theory level"), choices=TheoryLevel.choices, required=False
    )
    profession = _text(_("Professional qualification"), 150)
    occupation = _text(_("Occupation"), 150)
    record_number = _text(
        _("Record number"),
        8,
        help_text=_("Six digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    record_province = _text(_("Record province code"), 4, help_text=_("E.g. LC for Lai Châu."))
    card_number = _text(
        _("Party card number"),
        10,
        help_text=_("Eight digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def record(self) -> RecordData:
        return RecordData(**{name: self.cleaned_data[name] for name in RECORD_FIELDS})

    @staticmethod
    def initial_from(member: Member) -> dict[str, Any]:
        """The saved values of ``member``, and the version they were read at."""
        initial = {name: getattr(member, name) for name in RECORD_FIELDS}
        initial["version"] = member.version
        return initial


class SearchForm(forms.Form):
    """The search page's GET form; every field optional, and invalid values are ignored."""

    q = forms.CharField(
        label=_("Name, card or record number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)
    category = forms.ChoiceField(label=_("Status"), required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=40, required=False)
    age_band = forms.ChoiceField(label=_("Age"), required=False)
    party_age_band = forms.ChoiceField(label=_("Party age"), required=False)
    theory_level = forms.ChoiceField(
        label=_("Political theory level"),
        required=False,
        choices=[("", _("Any"))] + [c for c in TheoryLevel.choices if c[0]],
    )

    def __init__(self, *args: Any, units: list[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        any_choice = [("", _("Any"))]
        self._choices("unit", [("", _("All I can see")), *[(u.pk, u.name) for u in units]])
        self._choices("category", [*any_choice, *selectors.CATEGORIES])
        self._choices("age_band", [*any_choice, *[b[:2] for b in selectors.AGE_BANDS]])
        self._choices("party_age_band", [*any_choice, *[b[:2] for b in selectors.PARTY_AGE_BANDS]])

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> selectors.SearchFilters:
        """The valid part of the query (an invalid field is left out, not an error page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        unit_id = data.get("unit")
        return selectors.SearchFilters(
            q=nfc(data.get("q") or ""),
            unit=self.units.get(unit_id) if unit_id else None,
            category=data.get("category") or "",
            ethnicity=nfc(data.get("ethnicity") or ""),
            age_band=data.get("age_band") or "",
            party_age_band=data.get("party_age_band") or "",
            theory_level=data.get("theory_level") or "",
        )


class ListFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (selectors.SHOW_CURRENT, _("On the register")),
            (selectors.SHOW_FORMER, _("No longer on the register")),
            (selectors.SHOW_ALL, _("Everyone")),
        ],
    )
    category = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any")), *selectors.CATEGORIES]

    def values(self) -> tuple[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("show") or selectors.SHOW_CURRENT, data.get("category") or ""
