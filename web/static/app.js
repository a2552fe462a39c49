// Progressive enhancement only: every feature works without this file.
(function () {
  "use strict";
  // Clicking a mode or language filter re-runs the current search at once. Arrow keys only move the
  // choice (a radio group changes on every arrow press): the keyboard submits with Enter.
  var pointerAt = 0;
  document.querySelectorAll("fieldset[data-autosubmit]").forEach(function (fieldset) {
    fieldset.addEventListener("pointerdown", function () { pointerAt = Date.now(); });
  });
  document.querySelectorAll("fieldset[data-autosubmit] input").forEach(function (input) {
    input.addEventListener("change", function () {
      var form = input.form;
      if (Date.now() - pointerAt < 1500 && form && form.q && form.q.value.trim()) form.requestSubmit();
    });
  });
  // "/" focuses the search box, as on most search sites.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("q");
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((event.target || {}).tagName || "");
    if (event.key === "/" && box && !typing) { event.preventDefault(); box.focus(); box.select(); }
  });
  // Arriving at a declaration from a search without an anchor: bring the first hit into view.
  if (!location.hash) {
    var first = document.querySelector(".aligned mark");
    if (first) first.scrollIntoView({ block: "center" });
  }
})();
