// Near a text box's limit, say how many characters are left. Without this
// script the browser still stops at the limit (maxlength), and the server
// checks it too.
(function () {
  "use strict";
  document.querySelectorAll("[data-count-for]").forEach(function (note) {
    var box = document.getElementById(note.dataset.countFor);
    var limit = box && parseInt(box.getAttribute("maxlength"), 10);
    if (!limit) return;
    function update() {
      var left = limit - box.value.length;
      note.hidden = left > limit / 10;  // quiet until the last tenth
      note.textContent = left === 1 ? "1 character left" : left + " characters left";
    }
    box.addEventListener("input", update);
    update();
  });
})();
