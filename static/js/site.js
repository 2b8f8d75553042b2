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

// A refused form shows its error summary at the top: move the focus there (it
// is in view and read out), after a full page load and after an htmx swap.
function focusErrorSummary(root) {
  const summary = root.querySelector("[data-error-summary]");
  if (!summary) return false;
  summary.focus();
  return true;
}
document.addEventListener("DOMContentLoaded", () => focusErrorSummary(document));
document.addEventListener("htmx:afterSettle", (event) => focusErrorSummary(event.target));

// A link in the summary puts the focus on the refused input itself and shows
// its label (or the group's legend) with it, not just the bare box.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) return;
  const input = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!input) return;
  event.preventDefault();
  const heading = input.closest("fieldset")?.querySelector("legend")
    || document.querySelector(`label[for="${CSS.escape(input.id)}"]`) || input;
  heading.scrollIntoView({ block: "start" });
  input.focus({ preventScroll: true });
});

// Pages opened last stay readable without signal (static/js/sw.js; what may be
// kept is decided by the server, common/offline.py).
if ("serviceWorker" in navigator && document.documentElement.dataset.serviceWorker) {
  navigator.serviceWorker.register(document.documentElement.dataset.serviceWorker, { scope: "/" })
    .catch(() => {});
}
