// Web workflows (docs/design.md "Web workflows"); progressive enhancement only.
(function () {
  "use strict";
  // "Copy" next to a citation line.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      field.select();
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, done);
      else { document.execCommand("copy"); done(); }
    });
  });

  // Phones: the filter panel and the table of contents start folded, so the results and the text
  // come first on screen, one tap away.
  if (window.matchMedia("(max-width: 640px)").matches) {
    document.querySelectorAll("details.filters-panel, .toc details").forEach(function (d) { d.open = false; });
  }

  // Side by side: previous/next hit with buttons and the n / p keys; focus moves to the mark.
  var marks = Array.prototype.slice.call(document.querySelectorAll(".aligned mark"));
  if (!marks.length) return;
  var current = -1;
  function go(step) {
    current = (current + step + marks.length) % marks.length;
    var mark = marks[current];
    marks.forEach(function (m) { m.classList.remove("is-current"); });
    mark.classList.add("is-current");
    mark.setAttribute("tabindex", "-1");
    mark.focus({ preventScroll: true });
    mark.scrollIntoView({ block: "center" });
  }
  document.querySelectorAll("button[data-hit]").forEach(function (button) {
    button.addEventListener("click", function () { go(button.getAttribute("data-hit") === "prev" ? -1 : 1); });
  });
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((event.target || {}).tagName || "");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "n") { event.preventDefault(); go(1); }
    else if (event.key === "p") { event.preventDefault(); go(-1); }
  });
})();
