from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.exchange.models import ImportMode
from chibo.exchange.xlsx import MAX_UPLOAD_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Member file (.xlsx or .csv)"),
        help_text=_(
            "A column-title row (Họ và tên, Ngày sinh, Nam/Nữ, Ngày vào Đảng, Chi bộ…), one "
            "member per row. Nothing is saved before you have seen the check of every row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: split it into several files.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


class CommitForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How to import"),
        choices=ImportMode.choices,
        initial=ImportMode.VALID_ROWS,
        widget=forms.RadioSelect,
    )
