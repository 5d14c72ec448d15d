"""The comment form: what a reader may write, and the checks a robot fails."""

from __future__ import annotations

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.forms.renderers import Jinja2

from comments.models import Comment, Subscription

NAME_MAX = 100
BODY_MAX = 10_000
_STAMP_SALT = "comments.form"


def new_stamp(post_id: int, *, at: float | None = None) -> str:
    """A signed note of which post's form this is, when it was shown (`at`,
    seconds since 1970: now by default), and a nonce that tells one showing of
    the form from another."""
    issued = int(time.time() if at is None else at)
    return signing.dumps(
        {"post": post_id, "at": issued, "nonce": secrets.token_hex(8)}, salt=_STAMP_SALT
    )


# The readers' forms are written with Django's own Jinja2 templates of its
# widgets (the same markup as its Django-template ones) at two thirds of the
# cost: the comment form is on every post page. The admin keeps Django's
# renderer, since its widgets have Django templates only.
READER_FORMS = Jinja2()


class CommentForm(forms.Form):
    default_renderer = READER_FORMS
    # What a reader wrote or chose. No website: it was never shown, so asking
    # for one served only the robots that comment for a link.
    KEPT = ("name", "email", "notify", "body", "parent")
    name = forms.CharField(
        max_length=NAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        required=False,
        help_text="Optional, never shown. It lets your later comments appear without waiting "
        "for a moderator, once one has approved your first.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    notify = forms.ChoiceField(
        label="Follow the conversation by e-mail",
        choices=[("", "No e-mail, thank you"), *Subscription.Kind.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text="With an email address only. The first time, we ask you to confirm it.",
    )
    body = forms.CharField(
        label="Comment",
        max_length=BODY_MAX,
        help_text="Plain text: blank lines separate paragraphs, and links are made for you.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    stamp = forms.CharField(widget=forms.HiddenInput)
    # A field people never see; robots fill in every field they find.
    homepage = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, post, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.post = post
        self.parent_comment: Comment | None = None
        self.fields["stamp"].initial = new_stamp(post.pk)
        if not settings.COMMENTS_HONEYPOT:
            del self.fields["homepage"]

    def renew_stamp(self) -> None:
        """Give a re-shown form a fresh stamp, so that sending it again is judged
        from now (the reader's text stays)."""
        if self.is_bound:
            data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
            data["stamp"] = new_stamp(self.post.pk)
            self.data = data

    def clean(self):
        data = super().clean()
        if data.get("notify") and not data.get("email"):
            self.add_error("notify", "Give your email address to be told of replies.")
        return data

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something first.")
        return body

    def clean_parent(self) -> int | None:
        parent_id = self.cleaned_data["parent"]
        if parent_id is None:
            return None
        parent = self.reply_target(parent_id)
        if parent is None:
            raise forms.ValidationError(
                "The comment you are replying to is no longer there; your reply can go to the post."
            )
        self.parent_comment = parent
        return parent_id

    def reply_target(self, parent_id) -> Comment | None:
        """The published comment of this form's post with that id, if any."""
        return Comment.objects.published().filter(pk=parent_id, post=self.post).first()

    def clean_homepage(self) -> str:
        if self.cleaned_data["homepage"]:
            raise forms.ValidationError("This field must be left empty.")
        return ""

    def clean_stamp(self) -> str:
        stamp = self.cleaned_data["stamp"]
        try:
            issued = signing.loads(stamp, salt=_STAMP_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(
                "This form could not be checked. Please send it again."
            ) from None
        if issued.get("post") != self.post.pk:
            raise forms.ValidationError("This form belongs to another post.")
        age = time.time() - issued["at"]
        if age < settings.COMMENTS_MIN_SECONDS:
            raise forms.ValidationError(
                "That was faster than anyone types. Please check your comment and send it again."
            )
        if age > settings.COMMENTS_FORM_MAX_AGE:
            raise forms.ValidationError(
                "This form has been open for more than a day. Please send it again."
            )
        return stamp

    def submission(self) -> str:
        """What makes the same form sent twice one comment: its stamp (one per
        showing of the form) with what was written in it."""
        data = self.cleaned_data
        text = "\x1f".join(
            [data["stamp"], data["name"], data["body"], str(data.get("parent") or "")]
        )
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class EditForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    body = forms.CharField(
        label="Comment", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something, or delete the comment instead.")
        return body
