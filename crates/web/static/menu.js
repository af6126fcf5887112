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
  document.addEventListener("DOMContentLoaded", function () {
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
