from __future__ import annotations

from django import forms

DATE = forms.DateInput(attrs={"type": "date"})  # the browser's date picker; ISO dates


class SearchForm(forms.Form):
    KINDS = [("", "Posts and comments"), ("posts", "Posts"), ("comments", "Comments")]

    q = forms.CharField(label="Search for", max_length=200, required=False)
    kind = forms.ChoiceField(label="In", choices=KINDS, required=False)
    by = forms.CharField(
        label="Written by",
        max_length=200,
        required=False,
        help_text="A byline or commenter's name, as written.",
    )
    start = forms.DateField(label="From", required=False, widget=DATE)
    end = forms.DateField(label="To", required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(type="search", autocomplete="off")

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
