// The book theme's ☰ (chapters) and "on this page" buttons, made to work again.
// pydata-sphinx-theme 0.17 (which sphinx-book-theme 1.3 pins) adds a hidden copy of each button to
// its header, and both themes attach their handlers to the first button of each kind in the page,
// that hidden copy (pydata-sphinx-theme#2451): the visible buttons opened nothing on a phone and
// hid nothing on a laptop. Each visible button passes its click on to that first one, whose
// handlers open the drawer on a narrow screen and hide or show the sidebar on a wide one.
// tests/test_built_book.py taps them at phone width and clicks ☰ at laptop width.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const [handled, ...visible] = document.querySelectorAll(`.${kind}`);
    for (const button of visible) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        handled.click();
      });
    }
  }
});
