"""Writing, replying, editing and deleting comments. Thin: the rules live in
forms.py, guards.py and services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comments import notifications, paging, readers
from comments.counts import people_stamp
from comments.forms import CommentForm, EditForm
from comments.guards import client_address, over_rate_limit
from comments.models import Comment
from comments.readers import OwnComments
from comments.services import (
    HasReplies,
    NotEditable,
    comment_delete,
    comment_edit,
    comment_submit,
    normalize_body,
)
from posts.conditional import by_stamp, respond
from posts.models import Post
from posts.names import LETTERS, NameFilter, name_index, names_from, page_name, person_url
from posts.paging import MonthPaginator


def comment_form(request, post: Post, *, parent: Comment | None = None) -> CommentForm:
    """An empty form for `post`, with the reader's remembered details."""
    initial = readers.remembered_details(request.session)
    if parent is not None:
        initial["parent"] = parent.pk
    return CommentForm(post=post, initial=initial)


@require_POST
def post_comment(request, post_id: int):
    post = get_object_or_404(Post, pk=post_id)
    form = CommentForm(request.POST, post=post)
    address = client_address(request)
    if "preview" in request.POST:
        # As it will appear; nothing is saved, and the same form posts it after.
        preview = None
        if form.is_valid():
            data = form.cleaned_data
            preview = {"name": data["name"], "body": normalize_body(data["body"])}
        return compose(request, post, form, preview=preview)
    if over_rate_limit(address):
        # Not judged at all: shown again as written, with a fresh stamp.
        kept = {name: request.POST.get(name, "") for name in CommentForm.KEPT}
        return compose(
            request, post, CommentForm(post=post, initial=kept), status=429, limited=True
        )
    if not form.is_valid():
        form.renew_stamp()
        return compose(request, post, form)
    comment, _ = comment_submit(form=form, address=address or None)
    own = OwnComments.of(request)
    own.add(comment)
    readers.remember_details(request.session, form.cleaned_data)
    messages.success(request, readers.posted_message(comment, own))
    return HttpResponseRedirect(comment_location(request, comment) or post.get_absolute_url())


def compose(
    request, post: Post, form: CommentForm, *, status: int = 200, limited=False, preview=None
):
    """The form on a page of its own: replying without JavaScript, sent back
    with what the reader wrote and what needs fixing, or with a preview."""
    context = {"post": post, "form": form, "parent": form.parent_comment, "limited": limited,
               "preview": preview}  # fmt: skip
    parent_id = str((form.data if form.is_bound else form.initial).get("parent") or "")
    if form.parent_comment is None and parent_id.isdigit():
        # A reply sent back: show what it answers, if that is still there.
        context["parent"] = form.reply_target(parent_id)
    return render(request, "comments/compose.html", context, status=status)


@require_GET
def reply(request, comment_id: int):
    parent = get_object_or_404(Comment.objects.published().select_related("post"), pk=comment_id)
    form = comment_form(request, parent.post, parent=parent)
    form.parent_comment = parent
    return compose(request, parent.post, form)


@require_POST
def forget_details(request):
    """Forget the remembered name and email, and go back to the page."""
    readers.forget_details(request.session)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return HttpResponseRedirect(back)


def _own_editable(request, comment_id: int) -> Comment:
    """The reader's own comment, if still within its edit window; else 404."""
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=comment_id)
    if not OwnComments.of(request).may_change(comment):
        raise Http404("Only its author can change a comment, and only for a while.")
    return comment


@require_http_methods(["GET", "POST"])
def edit(request, comment_id: int):
    comment = _own_editable(request, comment_id)
    form = EditForm(request.POST or None, initial={"body": comment.body})
    replied = comment.replies.exists()
    held = not comment.is_published
    if request.method == "POST" and not (replied or held) and form.is_valid():
        try:
            edited = comment_edit(comment, form.cleaned_data["body"])
        except HasReplies:
            replied = True
        except NotEditable:
            held = True
        else:
            messages.success(request, readers.edited_message(edited))
            location = comment_location(request, comment) or comment.post.get_absolute_url()
            return HttpResponseRedirect(location)
    return render(
        request,
        "comments/edit.html",
        {"comment": comment, "form": form, "replied": replied, "held": held},
    )


@require_http_methods(["GET", "POST"])
def delete(request, comment_id: int):
    comment = _own_editable(request, comment_id)
    replied = comment.replies.exists()
    if request.method == "POST" and not replied:
        try:
            comment_delete(comment)
        except HasReplies:
            replied = True
        else:
            OwnComments.of(request).forget(comment_id)
            messages.success(request, "Your comment is deleted.")
            return HttpResponseRedirect(comment.post.get_absolute_url() + "#comments")
    return render(request, "comments/delete.html", {"comment": comment, "replied": replied})


@require_GET
def permalink(request, comment_id: int):
    """Where a comment is now: its thread's page and anchor."""
    found = Comment.objects.select_related("post").only(
        "post", "path", "status",
        "post__slug", "post__published", "post__comment_count", "post__updated_at",
    )  # fmt: skip
    comment = get_object_or_404(paging.with_version(found, post="post_id"), pk=comment_id)
    location = comment_location(request, comment)
    if location is None:
        raise Http404("This comment is not shown on the site.")
    return HttpResponseRedirect(location)


def comment_location(request, comment: Comment) -> str | None:
    """The URL of the thread page that shows `comment` to this reader, with
    its anchor; None if the comment is not shown to them."""
    page = paging.page_of(request, comment)
    if page is None:
        return None
    query = f"?page={page}" if page > 1 else ""
    return f"{comment.post.get_absolute_url()}{query}#comment-{comment.pk}"


@require_GET
def person(request, name: str | None = None):
    """Everything published under a name, newest first; without a name, the
    index of every name."""
    if name is None and "name" not in request.GET:
        return people(request)
    name = page_name(request, name)
    comments = Comment.objects.by_person(name)
    months = Comment.objects.months_of(name)
    page = MonthPaginator(comments, settings.RESULTS_PER_PAGE, months, field="posted").get_page(
        request.GET.get("page")
    )
    if not page.object_list:
        raise Http404("Nothing is published under that name.")
    context = {"name": name, "page_obj": page}
    return respond(request, page, lambda: render(request, "comments/person.html", context))


def people(request):
    """Everyone who has a published comment, A to Z, with a filter box: it
    shows names and their counts alone, so it is tagged by the people's
    stamp (people_stamp) and its address, and a repeat reads one row."""
    return by_stamp(request, people_stamp(), lambda: _people(request))


def _people(request):
    """The whole index goes by letter and by "next names", from where a page
    starts: tens of thousands of names cost what a hundred do. A filter's
    few names are numbered pages."""
    filter_form = NameFilter(request.GET)
    if not filter_form.is_valid() or filter_form.cleaned_data["q"]:
        form, page = name_index(request, Comment.objects.people, field="name", url_of=person_url)
        return render(request, "comments/people.html", {"page_obj": page, "form": form})
    names = names_from(request, Comment.objects.people(keyed=True), field="name",
                       url_of=person_url, per_page=settings.RESULTS_PER_PAGE)  # fmt: skip
    context = {"names": names, "form": filter_form, "letters": LETTERS}
    return render(request, "comments/people.html", context)


@require_http_methods(["GET", "POST"])
def confirm_address(request, token: str):
    """The link of the one message an address gets before it is confirmed:
    a page with a button (a link scanner's GET confirms nothing)."""
    address = notifications.read_confirmation(token)
    if address is None:
        return render(request, "comments/mail_link.html", {"bad": True}, status=400)
    if request.method == "POST":
        notifications.confirm(address)
        return render(request, "comments/mail_link.html", {"confirmed": True})
    return render(request, "comments/mail_link.html", {"confirm": address})


@csrf_exempt  # the signed link is the proof; mail clients post it with no page (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    found = notifications.read_unsubscription(token)
    if found is None:
        return render(request, "comments/mail_link.html", {"bad": True}, status=400)
    email, post_id = found
    post = Post.objects.filter(pk=post_id).first() if post_id is not None else None
    if request.method == "POST":
        notifications.unsubscribe(email, post_id)
        return render(request, "comments/mail_link.html", {"unsubscribed": True, "post": post})
    return render(
        request,
        "comments/mail_link.html",
        {"unsubscribe": True, "post": post, "thread": post_id is not None},
    )
