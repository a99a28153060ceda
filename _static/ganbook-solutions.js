// A solution's title ("Solution to Exercise 2.1 (...)") opens the solution wherever it is tapped:
// sphinx-exercise makes the exercise's name a link, which jumped back to the exercise instead of
// unfolding the solution below it. The name stays, as text. tests/test_built_book.py clicks it.
document.addEventListener("DOMContentLoaded", () => {
  for (const link of document.querySelectorAll(".solution.dropdown > .admonition-title a")) {
    const name = document.createElement("span");
    name.className = "ganbook-solution-of";
    name.append(...link.childNodes);
    link.replaceWith(name);
  }
});
