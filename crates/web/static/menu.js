// The menu on a phone: one button that opens and closes it (Enter or Space, Escape closes and
// gives the focus back). Loaded in <head>, not deferred, so the page is marked as scripted
// before it is first drawn and the menu never flashes open; without this script the menu
// simply stays open (app.css hides it only under .js). No inline script: the CSP forbids it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function setOpen(button, nav, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  }
  // A box that scrolls (tabindex=0 in the page, so the keyboard reaches it) is a region
  // named after its table's caption or the heading before it.
  function nameRegions() {
    document.querySelectorAll(".wide[tabindex]").forEach(function (box) {
      if (box.hasAttribute("aria-label")) return;
      var caption = box.querySelector("caption");
      var heading = null;
      for (var el = box.previousElementSibling; el && !heading; el = el.previousElementSibling) {
        if (/^H[1-6]$/.test(el.tagName)) heading = el;
      }
      var name = (caption || heading || document.querySelector("h1") || {}).textContent;
      if (!name) return;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name.trim().replace(/\s+/g, " "));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    nameRegions();
    var button = document.querySelector("header .menu-toggle");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    button.addEventListener("click", function () {
      setOpen(button, nav, button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
      setOpen(button, nav, false);
      button.focus();
    });
  });
})();
