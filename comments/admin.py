from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from comments.forms import BODY_MAX
from comments.models import (
    PUBLISHED,
    BlockedCommenter,
    BlockedTerm,
    Comment,
    CommentRevision,
    PurgedComment,
    Status,
)
from comments.moderation import (
    ACTIONS,
    actions_for,
    block_commenters,
    commenters_comments,
    details_of,
    erase_personal_data,
    moderate,
    personal_data,
)
from comments.rendering import url_pattern
from comments.services import comment_create, comments_delete
from posts.admin import PostAdmin
from posts.models import Post


def _status_count(status: str):
    counts = (
        Comment.objects.filter(post=OuterRef("pk"), status=status)
        .order_by()
        .values("post")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _count_column(status: str):
    def count(self, post: Post) -> int:
        return getattr(post, f"{status}_count")

    return admin.display(description=status, ordering=f"{status}_count")(count)


admin.site.unregister(Post)


@admin.register(Post)
class PostWithCommentsAdmin(PostAdmin):
    """The posts app's admin of posts, with how many comments each has in each
    status, linked to the comment list."""

    list_display = [*PostAdmin.list_display, *(f"{s}_count" for s in Status.values)]
    readonly_fields = [*PostAdmin.readonly_fields[:2], "comment_counts",
                       *PostAdmin.readonly_fields[2:]]  # fmt: skip

    def get_queryset(self, request):
        counts = {f"{status}_count": _status_count(status) for status in Status.values}
        return super().get_queryset(request).annotate(**counts)

    @admin.display(description="comments")
    def comment_counts(self, post: Post) -> str:
        counts = [
            format_html(
                '<a href="{}?post__id__exact={}&amp;status__exact={}">{} {}</a>',
                reverse("admin:comments_comment_changelist"),
                post.pk,
                status,
                getattr(post, f"{status}_count"),
                status,
            )  # fmt: skip
            for status in Status.values
        ]
        return format_html(", ".join(["{}"] * len(counts)), *counts)


for _status in Status.values:
    setattr(PostWithCommentsAdmin, f"{_status}_count", _count_column(_status))


class OriginFilter(admin.SimpleListFilter):
    title = "origin"
    parameter_name = "origin"

    def lookups(self, request, model_admin):
        return [("imported", "Imported from an archive"), ("site", "Written on the site")]

    def queryset(self, request, queryset):
        if self.value() == "imported":
            return queryset.imported()
        if self.value() == "site":
            return queryset.written_here()
        return queryset


class RevisionInline(admin.TabularInline):
    """The text each of its author's edits replaced, newest first, beside the current."""

    model = CommentRevision
    extra = 0
    can_delete = False
    fields = ["replaced_at", "status", "body"]
    readonly_fields = fields
    verbose_name_plural = "earlier texts (replaced by its author's edits)"

    def has_add_permission(self, request, obj=None):
        return False


_ADDRESS_PREFIX = re.compile(r"(?:\d{1,3}\.){1,3}")  # "203.0.113." or "203.0."


def address_range(text: str) -> tuple[str, str] | None:
    """The first and last address `text` names, if it names addresses: one
    address, a network ("203.0.113.0/24") or a dotted prefix ("203.0.113.")."""
    text = text.strip()
    if _ADDRESS_PREFIX.fullmatch(text):
        octets = text.rstrip(".").split(".")
        text = ".".join(octets + ["0"] * (4 - len(octets))) + f"/{8 * len(octets)}"
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return str(network.network_address), str(network.broadcast_address)


class AddressFilter(admin.SimpleListFilter):
    """Everything from one address or network (the "address" links of the list)."""

    title = "address"
    parameter_name = "address"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, value)] if value else []

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        found = address_range(value)
        if found is None:
            return queryset.none()  # not an address: nothing came from it
        return queryset.filter(ip_address__gte=found[0], ip_address__lte=found[1])


class StaffReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply", max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8, "cols": 60})
    )


class BlockForm(forms.Form):
    blocks = forms.MultipleChoiceField(
        label="Block", widget=forms.CheckboxSelectMultiple, error_messages={
            "required": "Choose at least one name, email or address to block.",
        },
    )  # fmt: skip
    mark_spam = forms.BooleanField(
        label="Also mark their comments written here as spam", required=False, initial=True
    )
    note = forms.CharField(label="Why (for other moderators)", max_length=200, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blocks"].choices = choices
        self.fields["blocks"].initial = [value for value, _ in choices]


@dataclass(frozen=True)
class _ListUrls:
    """The URLs the comment list's rows link to, with {} for a comment's id."""

    changelist: str
    permalink: str
    moderate: str
    change: str
    reply: str
    block: str
    back: str  # the query string that brings a one-click action back to this list

    @classmethod
    def now(cls, request) -> _ListUrls:
        return cls(
            changelist=reverse("admin:comments_comment_changelist"),
            permalink=url_pattern("comments:permalink"),
            moderate=url_pattern("admin:comments_comment_moderate"),
            change=url_pattern("admin:comments_comment_change"),
            reply=url_pattern("admin:comments_comment_reply"),
            block=reverse("admin:comments_comment_block"),
            back=urlencode({"next": request.get_full_path()}),
        )


def _link(url: str, text: str, **params) -> str:
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(params), text)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderation queue: status tabs with counts, one-click actions on
    each row beside the bulk ones, and everything from a name, email or
    address a click away."""

    change_list_template = "admin/comments/comment/change_list.html"
    inlines = [RevisionInline]
    list_filter = ["status", OriginFilter, AddressFilter, "posted"]
    search_fields = ["author_name", "email", "body"]
    search_help_text = (
        "Names, emails and text; or an address, a network (203.0.113.0/24) or the start "
        "of one (203.0.113.) for everything from it."
    )
    list_per_page = 50
    list_display_links = None  # the buttons sit in the first column; "Edit" opens the form
    show_full_result_count = False  # no COUNT(*) over the whole archive on every page
    raw_id_fields = ["post", "parent"]
    readonly_fields = [
        "posted_text", "source_file", "source_line", "ip_address", "edited_at", "created_at",
        "written_by", "deleted_at", "deleted_by",
    ]  # fmt: skip
    actions = ["approve", "mark_spam", "remove", "restore", "block", "export_personal_data",
               "erase_personal_data"]  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("post", "parent")
            .defer("post__body", "post__body_html", "post__capture_hashes", "parent__body")
        )

    def get_search_results(self, request, queryset, search_term):
        # An address, network or dotted prefix searches addresses alone, on
        # their index, rather than every name, email and text as words.
        found = address_range(search_term)
        if found is not None:
            return queryset.filter(ip_address__gte=found[0], ip_address__lte=found[1]), False
        return super().get_search_results(request, queryset, search_term)

    def get_list_display(self, request):
        urls = _ListUrls.now(request)
        return [self._comment(urls), self._commenter(urls), "posted", "status"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:comment_id>/moderate/", view(self.moderate_view),
                 name="comments_comment_moderate"),
            path("<int:comment_id>/reply/", view(self.reply_view), name="comments_comment_reply"),
            path("block/", view(self.block_view), name="comments_comment_block"),
            path("erase/", view(self.erase_view), name="comments_comment_erase"),
            *super().get_urls(),
        ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        # A moderator's edit keeps the text it replaces, as an author's does.
        if change and "body" in form.changed_data:
            before = Comment.objects.values("body", "status").get(pk=obj.pk)
            CommentRevision.objects.create(comment=obj, **before)
            obj.edited_at = timezone.now()
            # An export's HTML gives way to the moderator's text.
            obj.body_format, obj.body_html = Comment._meta.get_field("body_format").default, ""
        super().save_model(request, obj, form, change)

    # Deleting here never erases: the comment becomes a tombstone (status
    # "deleted", who and when) that the status filter lists, that its thread
    # shows as removed if it has replies, and that a re-import of its capture
    # respects. `manage.py purge_comments` removes rows, keeping a record.
    def delete_model(self, request, obj):
        comments_delete(Comment.objects.filter(pk=obj.pk), by=request.user.get_username())

    def delete_queryset(self, request, queryset):
        comments_delete(queryset, by=request.user.get_username())

    def get_deleted_objects(self, objs, request):
        # Nothing goes with a comment marked deleted: its replies stay where they are.
        return [str(obj) for obj in objs], {"comments": len(objs)}, set(), []

    def lookup_allowed(self, lookup, value, request=None):
        # The post page's links, and "everything from this name or email".
        # (A date hierarchy would cost two scans of the whole table on every
        # page; its year and month links still work, and "posted" filters.)
        return lookup in {
            "post__id__exact",
            "author_name__exact",
            "email__iexact",
            "posted__year",
            "posted__month",
            "posted__day",
        } or (  # fmt: skip
            super().lookup_allowed(lookup, value, request)
        )

    # The list's columns -------------------------------------------------------

    # Built for each request with its URLs worked out once: a page has 50 rows.

    def _comment(self, urls: _ListUrls):
        @admin.display(description="comment")
        def comment(comment: Comment):
            where = [_link(urls.changelist, comment.post.title, post__id__exact=comment.post_id)]
            if comment.parent is not None:
                where.append(format_html("in reply to {}", comment.parent.author_name))
            where.append(
                format_html('<a href="{}">in the thread</a>', urls.permalink.format(comment.pk))
            )
            return format_html(
                '<div class="comment-text">{}</div><div class="comment-where">on {}</div>'
                '<div class="row-actions">{}</div>',
                Truncator(comment.body.replace("\n", " ")).chars(300) or "(no text)",
                format_html_join(" · ", "{}", ((part,) for part in where)),
                self._row_actions(comment, urls),
            )

        return comment

    def _commenter(self, urls: _ListUrls):
        @admin.display(description="commenter", ordering="author_name")
        def commenter(comment: Comment):
            changelist = urls.changelist
            parts = [_link(changelist, comment.author_name, author_name__exact=comment.author_name)]
            if comment.by_staff:
                parts.append(mark_safe('<span class="staff-mark">staff</span>'))
            if comment.email:
                parts.append(_link(changelist, comment.email, email__iexact=comment.email))
            if comment.ip_address:
                parts.append(_link(changelist, comment.ip_address, address=comment.ip_address))
            if comment.is_imported:
                parts.append(mark_safe('<span class="origin">from the archive</span>'))
            return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts))

        return commenter

    def _row_actions(self, comment: Comment, urls: _ListUrls):
        """One-click buttons under the text, as WordPress has them. They submit
        the list's own form (and its CSRF token) to the comment's moderate URL,
        which comes back to this list."""
        buttons = format_html_join(
            " ",
            '<button type="submit" class="button" formaction="{}?{}" name="moderate" '
            'value="{}:{}">{}</button>',
            ((urls.moderate.format(comment.pk), urls.back, action.name, comment.status,
              action.label) for action in actions_for(comment.status)),
        )  # fmt: skip
        return format_html(
            '{} <a href="{}">Edit</a> <a href="{}">Reply</a> <a href="{}?ids={}">Block</a>',
            buttons, urls.change.format(comment.pk), urls.reply.format(comment.pk), urls.block,
            comment.pk,
        )  # fmt: skip

    # The queue's tabs ----------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "status_tabs": self._status_tabs(request)}
        return super().changelist_view(request, extra_context)

    def _status_tabs(self, request) -> list[dict]:
        """All, then each status, with counts: the statuses other than published
        are counted on their partial index; published is what remains."""
        held = dict(
            Comment.objects.filter(~PUBLISHED).order_by().values_list("status")
            .annotate(n=Count("*"))
        )  # fmt: skip
        total = Comment.objects.count()
        counts = {**held, Status.PUBLISHED: total - sum(held.values())}
        current = request.GET.get("status__exact", "")
        changelist = reverse("admin:comments_comment_changelist")
        tabs = [{"label": "All", "count": total, "url": changelist, "current": not current}]
        for status in (Status.PENDING, Status.PUBLISHED, Status.SPAM, Status.REMOVED,
                       Status.DELETED):  # fmt: skip
            tabs.append({
                "label": status.label.capitalize() if status != Status.PENDING else "Pending",
                "count": counts.get(status, 0),
                "url": f"{changelist}?{urlencode({'status__exact': status})}",
                "current": current == status,
            })  # fmt: skip
        return tabs

    # Actions -------------------------------------------------------------------

    def _moderate(self, request, queryset, action: str) -> None:
        outcome = moderate(queryset, action, user=request.user)
        self.message_user(
            request, outcome.message(), messages.SUCCESS if outcome.changed else messages.WARNING
        )

    @admin.action(description="Approve: publish the chosen pending or spam comments")
    def approve(self, request, queryset):
        self._moderate(request, queryset, "approve")

    @admin.action(description="Mark the chosen comments as spam")
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, "spam")

    @admin.action(description="Remove the chosen comments from the site")
    def remove(self, request, queryset):
        self._moderate(request, queryset, "remove")

    @admin.action(description="Restore: publish the chosen removed or deleted comments again")
    def restore(self, request, queryset):
        self._moderate(request, queryset, "restore")

    @admin.action(description="Block the commenters of the chosen comments…")
    def block(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('admin:comments_comment_block')}?ids={ids}")

    @admin.action(description="Export the personal data of the chosen comments' commenters")
    def export_personal_data(self, request, queryset):
        response = JsonResponse(
            {"comments": personal_data(queryset)}, json_dumps_params={"indent": 2}
        )
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
        return response

    @admin.action(description="Erase the personal data of the chosen comments' commenters…")
    def erase_personal_data(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('admin:comments_comment_erase')}?ids={ids}")

    # Views -----------------------------------------------------------------------

    def _comment_or_404(self, request, comment_id: int) -> Comment:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(Comment.objects.select_related("post"), pk=comment_id)

    def _back(self, request, fallback: str) -> str:
        back = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return back
        return fallback

    @method_decorator(require_POST)
    def moderate_view(self, request, comment_id: int):
        """One click on the thread or in the list: approve, spam, remove or
        restore, if the comment is still in the status the moderator saw."""
        comment = self._comment_or_404(request, comment_id)
        name, _, was = request.POST.get("moderate", "").partition(":")
        was = was or request.POST.get("was") or None
        if name not in ACTIONS:
            self.message_user(request, "No such moderation action.", messages.ERROR)
        else:
            outcome = moderate(Comment.objects.filter(pk=comment.pk), name, user=request.user,
                               expected=was)  # fmt: skip
            if outcome.changed:
                self.message_user(request, f"{ACTIONS[name].done}: {comment}.", messages.SUCCESS)
            else:
                now = Comment.objects.values_list("status", flat=True).get(pk=comment.pk)
                self.message_user(
                    request,
                    f"Not changed: {comment} is {now} now"
                    + (", as someone else changed it first." if was and was != now else "."),
                    messages.WARNING,
                )
        return HttpResponseRedirect(self._back(request, comment.get_absolute_url()))

    def reply_view(self, request, comment_id: int):
        """Reply as the site's staff. A reply to a comment still pending
        approves it: the answer would otherwise hang from a hidden comment."""
        parent = self._comment_or_404(request, comment_id)
        form = StaffReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                if parent.status == Status.PENDING:
                    moderate(Comment.objects.filter(pk=parent.pk), "approve", user=request.user)
                written = comment_create(
                    post=parent.post, parent=parent, author_name=settings.COMMENTS_STAFF_NAME,
                    body=form.cleaned_data["body"], written_by=request.user,
                )  # fmt: skip
                self.log_addition(request, written, "Replied as staff.")
            self.message_user(request, f"Replied to {parent}.", messages.SUCCESS)
            return HttpResponseRedirect(written.get_absolute_url())
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reply to {parent.author_name}",
            "opts": self.opts,
            "parent": parent,
            "form": form,
            "staff_name": settings.COMMENTS_STAFF_NAME,
        }
        return TemplateResponse(request, "admin/comments/comment/reply.html", context)

    def _chosen(self, request) -> QuerySet[Comment]:
        raw = request.POST.get("ids") or request.GET.get("ids", "")
        ids = [int(pk) for pk in raw.split(",") if pk.strip().isdigit() and len(pk) < 19]
        return Comment.objects.filter(pk__in=ids[:1000]).order_by("pk")

    def block_view(self, request):
        """Block the commenters of the chosen comments, by the names, emails
        and addresses the moderator ticks; and, if asked, mark their comments spam."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        chosen = list(self._chosen(request).select_related("post"))
        if not chosen:
            raise Http404("No such comments.")
        choices = []
        for comment in chosen:
            for kind, value in details_of(comment).items():
                choice = f"{kind}:{value}"
                if choice not in dict(choices):
                    choices.append((choice, f"{kind}: {value}"))
        form = BlockForm(request.POST or None, choices=choices)
        if request.method == "POST" and form.is_valid():
            blocks = [choice.split(":", 1) for choice in form.cleaned_data["blocks"]]
            result = block_commenters(
                [(kind, value) for kind, value in blocks], user=request.user,
                note=form.cleaned_data["note"], mark_spam=form.cleaned_data["mark_spam"],
            )  # fmt: skip
            words = f"Blocked {len(result.added)}"
            if result.already:
                words += f" ({result.already} already blocked)"
            words += f"; marked {result.marked_spam} of their comments as spam."
            self.message_user(request, words, messages.SUCCESS)
            return HttpResponseRedirect(
                self._back(request, reverse("admin:comments_blockedcommenter_changelist"))
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Block commenters",
            "opts": self.opts,
            "chosen": chosen,
            "form": form,
            "ids": ",".join(str(c.pk) for c in chosen),
            "next": self._back(request, ""),
        }
        return TemplateResponse(request, "admin/comments/comment/block.html", context)

    def erase_view(self, request):
        """Erase the email, website and address of the chosen comments'
        commenters, from every comment they wrote here, after a confirmation."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        chosen = self._chosen(request)
        theirs = commenters_comments(chosen)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            count = erase_personal_data(chosen, user=request.user)
            self.message_user(
                request, f"Erased the personal data of {count} comments.", messages.SUCCESS
            )
            return HttpResponseRedirect(reverse("admin:comments_comment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase personal data",
            "opts": self.opts,
            "comments": theirs.select_related("post").order_by("posted")[:200],
            "count": theirs.count(),
            "ids": ",".join(str(pk) for pk in chosen.values_list("pk", flat=True)),
        }
        return TemplateResponse(request, "admin/comments/comment/erase.html", context)


@admin.register(BlockedCommenter)
class BlockedCommenterAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "note", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)


@admin.register(PurgedComment)
class PurgedCommentAdmin(admin.ModelAdmin):
    """Comments whose rows were purged: read only, kept so a re-import knows them."""

    list_display = ["author_name", "post", "posted", "deleted_by", "deleted_at", "purged_at"]
    search_fields = ["author_name", "body"]
    list_select_related = ["post"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "note", "created_at"]
    search_fields = ["term", "note"]
