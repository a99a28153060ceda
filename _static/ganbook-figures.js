// Every figure opens at full size when tapped or clicked: on a phone the column is 342 pixels
// wide, and a figure drawn 9 inches wide shows its text at half its size there. The link's name
// is the image's alt text. tests/test_built_book.py checks that each figure links to its image.
document.addEventListener("DOMContentLoaded", () => {
  for (const image of document.querySelectorAll("figure img")) {
    if (image.closest("a")) continue;
    const link = document.createElement("a");
    link.href = image.currentSrc || image.src;
    link.className = "ganbook-figure-link";
    link.title = "Open the figure at full size";
    image.replaceWith(link);
    link.appendChild(image);
  }
});
