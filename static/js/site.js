// Small things a keyboard or screen-reader user expects; every page works without them.

// The menu is a <details> element, so it opens and closes without JavaScript.
// Escape closes it and puts the focus back on its button.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.site-menu[open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});

// A form that redirects to its outcome (…/#my-booking) moves the focus there,
// so the outcome is in view and read out instead of focus staying on the page.
document.addEventListener("DOMContentLoaded", () => {
  const id = decodeURIComponent(window.location.hash.slice(1));
  const outcome = id && document.getElementById(id);
  if (outcome && outcome.hasAttribute("data-focus-on-arrival")) {
    outcome.setAttribute("tabindex", "-1");
    outcome.focus();
  }
});
