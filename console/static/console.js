// What Flask-Admin's inline event handlers did, as one listener, so the console's
// Content-Security-Policy can forbid inline script (console/app.py, CONTENT_SECURITY_POLICY):
// a confirmation before a delete, the "with selected" actions, links that lead nowhere, and
// the print button of the reports, a canned reply put into the reply box. The click listener
// listens in the capture phase: Bootstrap's menus stop clicks from bubbling up.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var confirming = target.closest("[data-confirm]");
    if (confirming && !window.confirm(confirming.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var action = target.closest("[data-model-action]");
    if (action) {
      event.preventDefault();
      if (window.modelActions) { window.modelActions.execute(action.getAttribute("data-model-action")); }
      return;
    }
    if (target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
      return;
    }
    var link = target.closest('a[href="#"]');
    if (link) { event.preventDefault(); }
  }, true);
  document.addEventListener("change", function (event) {
    var source = event.target instanceof Element ? event.target.closest("[data-fills]") : null;
    if (source && source.value) {
      var box = document.getElementById(source.getAttribute("data-fills"));
      if (box) { box.value = source.value; }
    }
  });
})();
