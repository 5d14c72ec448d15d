// Moderators' one-click controls, without a page load: the form is posted as
// it would be without this script, and the thread page the server answers
// with gives the comment's new markup, which replaces the old in place.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form.moderate");
    if (!form || form.dataset.plain) return;
    event.preventDefault();
    var submitter = event.submitter;
    var item = form.closest("li.comment");
    var data = new FormData(form, submitter);  // before the buttons are disabled
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.getElementById(item.id);
      var article = fresh && fresh.querySelector(":scope > article");
      if (!article) throw new Error("not on this page");
      item.className = fresh.className;
      item.querySelector(":scope > article").replaceWith(article);
      var notice = page.querySelector(".messages");
      var old = document.querySelector("main .messages");
      if (old) old.remove();
      if (notice) document.querySelector("main").prepend(notice);
      var first = article.querySelector("form.moderate button");
      if (first) first.focus();
    }).catch(function () {
      // Let the server answer with a whole page, as without this script.
      buttons.forEach(function (b) { b.disabled = false; });
      form.dataset.plain = "1";
      form.requestSubmit(submitter);
    });
  });
})();
