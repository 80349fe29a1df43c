/* The one form pattern (docs/forms.md), after the GOV.UK Design System's error summary:
 * - when a page shows an error summary, move the focus to it, so that a screen reader reads the problems
 *   first and the keyboard starts from the list;
 * - a link in the summary moves the focus to its field and scrolls the field's label (or its group's
 *   legend) into view, not just the input.
 * Loaded from base.html with the page's CSP nonce; no inline script anywhere. */
(function () {
  "use strict";

  function labelFor(input) {
    var fieldset = input.closest("fieldset");
    if (fieldset && fieldset.querySelector("legend") && (input.type === "radio" || input.type === "checkbox")) {
      return fieldset.querySelector("legend");
    }
    return document.querySelector('label[for="' + input.id + '"]') || input;
  }

  function start() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var input = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (!input) {
        return;
      }
      event.preventDefault();
      labelFor(input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
