// A solution's title ("Solution to Exercise 2.1 (...)") opens the solution wherever it is tapped.
// sphinx-exercise makes the exercise's name a link, which jumped back to the exercise instead of
// unfolding the solution below it; and sphinx-togglebutton toggles only on a click on the title
// itself or its button, so a click on any word inside the title did nothing. The name stays, as
// text, and a click anywhere in the title goes to the toggle button. tests/test_built_book.py
// clicks the exercise's name.
document.addEventListener("DOMContentLoaded", () => {
  for (const title of document.querySelectorAll(".solution.dropdown > .admonition-title")) {
    for (const link of title.querySelectorAll("a")) {
      const name = document.createElement("span");
      name.className = "ganbook-solution-of";
      name.append(...link.childNodes);
      link.replaceWith(name);
    }
    title.addEventListener("click", (event) => {
      const button = title.querySelector(".toggle-button");
      if (event.target === title || !button || button.contains(event.target)) return;
      event.stopPropagation();
      event.preventDefault();
      button.click();
    }, true);
  }
});
