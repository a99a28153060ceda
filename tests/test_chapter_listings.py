"""The code listings in the chapters: every ``literalinclude`` names a file and an object that exist.

The chapters show the package's own code with MyST's ``literalinclude`` directive, usually with
``:pyobject:`` naming a class, a function or a ``Class.method``. Sphinx only warns when such an
object is gone (a renamed function, a moved method), so these tests read the directives themselves:
for each one, the file (relative to the chapter, or to the book's root when the path starts with
``/``) must exist, the object must be defined in it (found with ``ast``: a top-level class or
function, or ``Class.method``), and a comment right above it must say "# Shown in ...", so that whoever
edits the object knows readers see it (a comment, which the listing leaves out, not the docstring,
which readers would see). A failure names the chapter, the line of the directive, the path and
the object. The ``:emphasize-lines:`` of each listing are checked against the listing Sphinx
itself would show (with Sphinx's own reader, where Sphinx is installed).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
CHAPTERS = sorted(BOOK.glob("*.md"))
SHOWN_MARKER = "Shown in"

# An opening fence of three or more backticks or colons, then the directive and its argument.
_OPENING = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\s*\{literalinclude\}\s*(?P<path>\S*)\s*$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
_YAML_OPTION = re.compile(r"^\s*(?P<key>[\w-]+)\s*:\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True)
class Listing:
    """One ``literalinclude`` directive: where it is, the file it names and its options."""

    chapter: Path
    line: int
    path: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        try:
            name = self.chapter.relative_to(REPO)
        except ValueError:
            name = self.chapter
        return f"{name}:{self.line}"

    @property
    def pyobject(self) -> str | None:
        return self.options.get("pyobject") or None

    def resolved(self, root: Path = REPO) -> Path:
        """The file as Sphinx finds it: relative to the chapter, or to the root when it starts with /."""
        if self.path.startswith("/"):
            return root / self.path.lstrip("/")
        return self.chapter.parent / self.path


def parse_listings(text: str, chapter: Path) -> list[Listing]:
    """Every ``literalinclude`` directive in a chapter's text, with its ``:key: value`` options.

    Both fence styles (backticks and, with colon_fence, colons) and both ways of writing options
    (``:key: value`` lines, or a ``---``-delimited block of ``key: value`` lines) are read.
    """
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        opening = _OPENING.match(line)
        if not opening:
            continue
        options: dict[str, str] = {}
        rest = iter(lines[index + 1 :])
        for option_line in rest:
            if option_line.strip() == "---" and not options:  # a YAML block of options
                for yaml_line in rest:
                    if yaml_line.strip() == "---":
                        break
                    if match := _YAML_OPTION.match(yaml_line):
                        options[match["key"]] = match["value"].strip("'\"")
                break
            match = _OPTION.match(option_line)
            if not match:
                break
            options[match["key"]] = match["value"]
        found.append(Listing(chapter, index + 1, opening["path"], options))
    return found


def find_object(tree: ast.Module, dotted: str) -> ast.AST | None:
    """The class or function ``dotted`` names (``name``, ``Class.method``, ``Outer.Inner.name``)."""
    scope: list[ast.stmt] = tree.body
    node = None
    for part in dotted.split("."):
        node = next((n for n in scope
                     if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.name == part), None)
        if node is None:
            return None
        scope = node.body
    return node


def listing_problems(listing: Listing, root: Path = REPO) -> list[str]:
    """What is wrong with one listing, each as a sentence naming the chapter, the path and the object."""
    if not listing.path:
        return [f"{listing.where}: literalinclude without a path"]
    source = listing.resolved(root)
    if not source.is_file():
        return [f"{listing.where}: literalinclude of {listing.path}: no such file ({source})"]
    name = listing.pyobject
    if name is None:
        return []
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    except SyntaxError as error:
        return [f"{listing.where}: {listing.path} does not parse as Python ({error}), "
                f"so :pyobject: {name} cannot be found"]
    node = find_object(tree, name)
    if node is None:
        return [f"{listing.where}: :pyobject: {name} is not defined in {listing.path} "
                f"(renamed or moved? update the chapter or the code)"]
    if not any(line.lstrip().startswith(f"# {SHOWN_MARKER}") for line in comment_above(source, node)):
        return [f"{listing.where}: {name} in {listing.path} is shown in the chapter, but no comment "
                f"above it says so: add a line \"# {SHOWN_MARKER} ...\" naming the chapter"]
    return []


def comment_above(source: Path, node: ast.AST) -> list[str]:
    """The comment lines directly above a definition (above its decorators, if any)."""
    lines = source.read_text(encoding="utf-8").splitlines()
    first = min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", [])])
    above = []
    for line in reversed(lines[:first - 1]):
        if not line.lstrip().startswith("#"):
            break
        above.insert(0, line)
    return above


def chapter_problems(chapter: Path, text: str | None = None, root: Path = REPO) -> list[str]:
    text = chapter.read_text(encoding="utf-8") if text is None else text
    return [problem for listing in parse_listings(text, chapter)
            for problem in listing_problems(listing, root)]


# ----------------------------------------------------------------------------- the book's chapters


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_every_listing_names_an_existing_object_that_says_it_is_shown(chapter):
    problems = chapter_problems(chapter)
    assert not problems, "\n".join(problems)


def test_the_chapters_have_listings():
    """Guards the tests above: a parser that found no directive at all would pass them vacuously."""
    count = sum(len(parse_listings(c.read_text(encoding="utf-8"), c)) for c in CHAPTERS)
    assert count > 0, "no literalinclude directive found in book/*.md"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_emphasized_lines_are_inside_the_listing(chapter):
    """:emphasize-lines: counts lines of the shown listing, which shrinks when the object does."""
    code = pytest.importorskip("sphinx.directives.code")
    from sphinx.config import Config
    from sphinx.util import parselinenos

    config = Config({}, {})
    problems = []
    for listing in parse_listings(chapter.read_text(encoding="utf-8"), chapter):
        spec = listing.options.get("emphasize-lines")
        if not spec or listing_problems(listing):  # the test above reports those
            continue
        try:  # the options as the directive converts them (dedent to a number, and so on)
            spec_of = code.LiteralInclude.option_spec
            options = {key: spec_of[key](value or None) for key, value in listing.options.items()
                       if key in spec_of}
            _, length = code.LiteralIncludeReader(str(listing.resolved()), options, config).read()
            emphasized = parselinenos(spec, length)
        except ValueError as error:
            problems.append(f"{listing.where}: {listing.path} {listing.pyobject or ''}: {error}")
            continue
        if any(i >= length for i in emphasized):
            problems.append(f"{listing.where}: :emphasize-lines: {spec} reaches past the "
                            f"{length} lines of {listing.pyobject or listing.path} in {listing.path}")
    assert not problems, "\n".join(problems)


# What the package's docstrings may not show a reader: Sphinx's cross-reference roles, which a
# listing prints raw, and the maintainers' "Shown in" notes, which belong in a comment above.
READER_NOISE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const):`|\bShown in\b")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_no_listing_shows_sphinx_roles_or_maintainers_notes(chapter):
    problems = []
    for listing in parse_listings(chapter.read_text(encoding="utf-8"), chapter):
        if listing.pyobject and not listing_problems(listing):
            problems += [f"{listing.where}: {listing.pyobject}: {line.strip()}"
                         for line in shown_text(listing).splitlines() if READER_NOISE.search(line)]
    assert not problems, "\n".join(problems)


MAX_LISTING_LINE = 80  # as tests/test_chapter_code.py: what the HTML column and the PDF show unbroken


def shown_text(listing: Listing) -> str:
    """The code Sphinx shows for ``listing``, read with Sphinx's own reader and options."""
    code = pytest.importorskip("sphinx.directives.code")
    from sphinx.config import Config

    spec_of = code.LiteralInclude.option_spec
    options = {key: spec_of[key](value or None) for key, value in listing.options.items() if key in spec_of}
    text, _ = code.LiteralIncludeReader(str(listing.resolved()), options, Config({}, {})).read()
    return text


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_no_listing_line_is_longer_than_the_page_shows(chapter):
    problems = []
    for listing in parse_listings(chapter.read_text(encoding="utf-8"), chapter):
        if listing_problems(listing):  # the first test reports those
            continue
        long = [line for line in shown_text(listing).splitlines() if len(line) > MAX_LISTING_LINE]
        if long:
            problems.append(f"{listing.where}: {listing.pyobject or listing.path} shows {len(long)} lines over "
                            f"{MAX_LISTING_LINE} characters, the longest {max(map(len, long))}")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- the checker itself

FAKE_MODULE = '''"""A module for the checker's own test."""


# Shown in the fake chapter.
def shown():
    """Adds one."""
    return 1


def unmarked():
    """Not marked as shown, though it says: Shown in the fake chapter."""


# Shown in the fake chapter.
class Player:
    """A player."""

    # Shown in the fake chapter.
    def move(self):
        """Moves."""
'''

FAKE_CHAPTER = """# A fake chapter

```{literalinclude} ../code/fake.py
:pyobject: shown
:language: python
:emphasize-lines: 2
```

Some prose.

````{literalinclude} ../code/fake.py
:pyobject: Player.move
````

:::{literalinclude} ../code/fake.py
---
pyobject: Player
caption: the class
---
:::

```{literalinclude} ../code/fake.py
:pyobject: vanished
```

```{literalinclude} ../code/fake.py
:pyobject: Player.vanished
```

```{literalinclude} ../code/fake.py
:pyobject: unmarked
```

```{literalinclude} ../code/missing.py
:pyobject: shown
```

```{literalinclude} /code/fake.py
```

```python
# an ordinary code block is not a listing
```
"""


@pytest.fixture
def fake_book(tmp_path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "fake.py").write_text(FAKE_MODULE)
    (tmp_path / "book").mkdir()
    chapter = tmp_path / "book" / "fake.md"
    chapter.write_text(FAKE_CHAPTER)
    return tmp_path, chapter


def test_the_parser_reads_every_directive_and_its_options(fake_book):
    _, chapter = fake_book
    listings = parse_listings(FAKE_CHAPTER, chapter)
    assert [(item.line, item.path, item.pyobject) for item in listings] == [
        (3, "../code/fake.py", "shown"),
        (11, "../code/fake.py", "Player.move"),
        (15, "../code/fake.py", "Player"),
        (22, "../code/fake.py", "vanished"),
        (26, "../code/fake.py", "Player.vanished"),
        (30, "../code/fake.py", "unmarked"),
        (34, "../code/missing.py", "shown"),
        (38, "/code/fake.py", None),
    ]
    assert listings[0].options == {"pyobject": "shown", "language": "python", "emphasize-lines": "2"}
    assert listings[2].options == {"pyobject": "Player", "caption": "the class"}


def test_the_checker_fails_on_a_missing_object_naming_chapter_path_and_object(fake_book):
    root, chapter = fake_book
    problems = chapter_problems(chapter, root=root)
    assert len(problems) == 4, problems
    vanished, vanished_method, unmarked, missing_file = problems
    for problem in problems:
        assert str(chapter) in problem and ".py" in problem
    assert ":22:" in vanished and "../code/fake.py" in vanished and ":pyobject: vanished " in vanished
    assert ":26:" in vanished_method and "Player.vanished" in vanished_method
    assert ":30:" in unmarked and "unmarked" in unmarked and SHOWN_MARKER in unmarked
    assert ":34:" in missing_file and "../code/missing.py" in missing_file and "no such file" in missing_file


def test_the_checker_passes_a_chapter_whose_listings_all_exist(fake_book):
    root, chapter = fake_book
    good = FAKE_CHAPTER.split("```{literalinclude} ../code/fake.py\n:pyobject: vanished")[0]
    assert len(parse_listings(good, chapter)) == 3
    assert chapter_problems(chapter, good, root=root) == []


def test_find_object_reads_functions_classes_and_methods():
    tree = ast.parse(FAKE_MODULE)
    assert isinstance(find_object(tree, "shown"), ast.FunctionDef)
    assert isinstance(find_object(tree, "Player"), ast.ClassDef)
    assert find_object(tree, "Player.move").name == "move"
    assert find_object(tree, "move") is None  # a method is not a top-level function
    assert find_object(tree, "shown.inner") is None
    assert find_object(tree, "Player.move.deeper") is None
