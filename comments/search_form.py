from __future__ import annotations

import datetime

from django import forms


class DatePicker(forms.DateInput):
    """The browser's date picker. It can only hold an ISO date, so a value that
    is not one (typed into a URL) is shown as empty, its error beside it."""

    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str):
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                return None
        return super().format_value(value)


DATE = DatePicker()


class SearchForm(forms.Form):
    KINDS = [("", "Posts and comments"), ("posts", "Posts"), ("comments", "Comments")]

    q = forms.CharField(
        label="Search for",
        max_length=200,
        required=False,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label="In", choices=KINDS, required=False)
    by = forms.CharField(
        label="Written by",
        max_length=200,
        required=False,
        help_text="A byline or commenter's name, as written.",
    )
    start = forms.DateField(label="From", required=False, widget=DATE)
    end = forms.DateField(label="To", required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "This date is before the “From” date.")
        return data

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["q"],
            "kind": data["kind"],
            "by": data["by"].strip(),
            "start": data["start"],
            "end": data["end"],
        }
