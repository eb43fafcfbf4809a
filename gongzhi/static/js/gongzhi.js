/* gongzhi: the large-type elderly mode (适老化), remembered in localStorage and a cookie the server reads. */
(function () {
  "use strict";
  var KEY = "gz_elder";
  function apply(on) {
    document.documentElement.classList.toggle("elder", on);
    try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
    document.cookie = KEY + "=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
    var button = document.getElementById("elder-toggle");
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  }
  var stored = null;
  try { stored = localStorage.getItem(KEY); } catch (e) { stored = null; }
  if (stored !== null && (stored === "1") !== document.documentElement.classList.contains("elder")) {
    apply(stored === "1");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("elder-toggle");
    if (button) {
      button.setAttribute("aria-pressed", document.documentElement.classList.contains("elder") ? "true" : "false");
      button.addEventListener("click", function () {
        apply(!document.documentElement.classList.contains("elder"));
      });
    }
  });
})();

/* Chart tooltips are HTML: every text that comes from data (a name, a title) goes through this in a formatter. */
window.gongzhiEscape = function (text) {
  return String(text === undefined || text === null ? "" : text).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
  });
};

/* gongzhi: a form that came back with errors lists them at its top (includes/form_errors.html); bring that list
   into view and give it the focus, opening the <details> it may sit in, so nobody has to find the message. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    for (var node = summary.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    summary.scrollIntoView({block: "start"});
    summary.focus({preventScroll: true});
  });
})();
