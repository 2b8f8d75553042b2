// The menu is a <details> element, so it opens and closes without JavaScript.
// This adds what a keyboard user expects of a menu: Escape closes it and puts
// the focus back on its button.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.site-menu[open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
