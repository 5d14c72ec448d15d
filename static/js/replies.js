// Reply in place: "Reply" moves the comment form under the comment it answers.
// Without this script the link opens a page with the form; both post the same.
(function () {
  "use strict";
  var form = document.getElementById("comment-form");
  if (!form) return;
  var home = document.createComment(" the comment form's own place ");
  form.parentNode.insertBefore(home, form);
  var parent = form.querySelector("input[name=parent]");
  var note = form.querySelector("[data-replying]");
  var noteName = form.querySelector("[data-replying-name]");
  var section = form.closest("section");  // "Leave a comment", empty while the form is away

  function replyTo(link) {
    // Under the comment itself, before its replies.
    link.closest("article").after(form);
    parent.value = link.dataset.replyTo;
    noteName.textContent = link.dataset.name;
    note.hidden = false;
    if (section) section.hidden = true;
    form.querySelector("textarea").focus();
  }

  function cancel() {
    home.parentNode.insertBefore(form, home.nextSibling);
    parent.value = "";
    note.hidden = true;
    if (section) section.hidden = false;
    form.querySelector("textarea").focus();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.reply");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      replyTo(link);
    } else if (event.target.closest("[data-cancel-reply]")) {
      cancel();
    }
  });

  // A printed thread is the whole thread, folded subthreads included.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.replies:not([open])").forEach(function (details) {
      details.open = true;
    });
  });

  // One click, one comment (the server also recognises a form sent twice).
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.formAction !== form.action) return;
    var button = form.querySelector("button[type=submit]");
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
})();
