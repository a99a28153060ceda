"""A recipe, and its cache key: the code its trained weights depend on, found by following its code.

A ``Recipe`` says how to make one trained model; ``cache_key`` hashes everything that could
change its weights: the recipe's name, hyper-parameters and seed, a fingerprint of its data, the
Keras version and oneDNN setting, and its code (``code_digest``, below).

From a recipe's ``build`` and ``train`` functions, ``reachable`` follows every function, class and
module-level value they name: directly, through a module (``data.load_mnist``), in a nested
function or a default argument; for each class, its methods and its own base classes; and so on,
within the project's code (``ganbook``, and the package the recipe's functions come from). It does
not follow code that cannot change the weights (``NOT_MODEL_CODE``: where files live, how they
are written, downloads, whose bytes the recipe's data fingerprint pins, and the cache itself), nor
another recipe (a function returning a ``Recipe``: what it trains enters through the data
fingerprint, which holds its key).

``code_digest`` hashes each reached top-level definition as its syntax tree without docstrings,
with every reference to a project module written as the bare name it reaches (``data.load_mnist``
hashes as ``load_mnist``), in order of name; and each reached value. A documentation edit, a
reordering, an edit to an unrelated function of the same module, or a function moved to another
module then keeps every key; any change to what the reached code does changes it.
(A hand-typed list of "module:function" names did this job before: it retrained four DCGANs for
any edit of a module it named whole, and could forget a function.)
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import sys
import textwrap
import threading
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ganbook import settings

if TYPE_CHECKING:  # for the annotation only: the train module imports Keras
    from ganbook.train import TrainingRecord

# Bump when the layout of an entry or the way keys hash code changes (2: the weights' SHA-256 in the
# record; 3: code hashed as syntax trees without docstrings and comments; 4: the code that build and
# train reach, found by following it, instead of hand-typed names; 5: parameters as typed dataclasses).
CACHE_FORMAT = 5


@dataclass(frozen=True, kw_only=True)
class RecipeParams:
    """A recipe's hyper-parameters: each family of recipes subclasses this as a frozen dataclass.

    Every field is typed; a value of another type is an error naming the field (an ``int`` is
    taken for a ``float`` and stored as one, so that ``learning_rate=1`` and ``1.0`` are one
    model with one key; a list for a ``tuple``, as JSON gives it, becomes a tuple).
    """

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for item in fields(self):
            value = _typed(getattr(self, item.name), hints[item.name], f"{type(self).__name__}.{item.name}")
            object.__setattr__(self, item.name, value)

    def record(self) -> dict[str, Any]:
        """The parameters as a JSON-ready dict: what a key hashes and an entry's record stores."""
        return json.loads(json.dumps(asdict(self)))


def _typed(value: Any, hint: Any, where: str) -> Any:
    """``value`` as type ``hint`` (int, float, bool, str, ``tuple[X, ...]``, ``X | None``) or a TypeError."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in options:
        return None
    hint = next(option for option in options if option is not type(None))
    if typing.get_origin(hint) is tuple and isinstance(value, (list, tuple)):
        return tuple(_typed(item, typing.get_args(hint)[0], where) for item in value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, bool, str) and isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    raise TypeError(f"{where} must be {typing.get_origin(hint) or hint}, got {value!r}: pass a value of that type")


@dataclass(frozen=True)
class Recipe:
    """How to make one trained model.

    ``build(params)`` returns a built, untrained ``keras.Model``; ``train(model, params, seed)``
    trains it in place and returns a ``TrainingRecord``; ``params`` is the family's
    ``RecipeParams``. ``data`` fingerprints the training data (and names, with its key, any other
    recipe whose model it trains on); the code the key hashes is what ``build`` and ``train``
    reach (``code_digest``). ``work(model, params)``, if given, counts the training's arithmetic
    (a ``ganbook.flops.Work``) for the benchmark and the appendix; it does not change the
    weights, so it is not part of the key.
    """

    name: str
    build: Callable[[Any], Any]
    train: Callable[[Any, Any, int], TrainingRecord]
    params: RecipeParams
    seed: int = 0
    data: str = ""
    work: Callable[[Any, Any], Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.params, RecipeParams):
            raise TypeError(f"recipe {self.name!r}: params must be a RecipeParams dataclass, "
                            f"got {type(self.params).__name__}")

    def with_params(self, **overrides: Any) -> Recipe:
        """A copy with some hyper-parameters (or ``seed``) replaced; unknown names are an error.

        NumPy numbers and arrays become Python numbers and tuples (``np.int64(50)`` from an
        ``np.arange`` loop is ``50``): the same model has the same key whatever the caller passed.
        """
        overrides = {name: plain_value(value) for name, value in overrides.items()}
        seed = overrides.pop("seed", self.seed)
        known = [item.name for item in fields(self.params)]
        unknown = set(overrides) - set(known)
        if unknown:
            raise TypeError(f"recipe {self.name!r} has no parameter(s) {sorted(unknown)}; it has {sorted(known)}")
        return replace(self, params=replace(self.params, **overrides), seed=seed)


def plain_value(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays, also inside lists, tuples and dicts, as Python ones."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return type(value)(plain_value(item) for item in value)
    if isinstance(value, dict):
        return {key: plain_value(item) for key, item in value.items()}
    return value


def cache_key(recipe: Recipe) -> str:
    """A hex digest that changes with the recipe, its parameters, seed, data and code."""
    description = json.dumps(
        {
            "format": CACHE_FORMAT,
            "name": recipe.name,
            "params": recipe.params.record(),
            "seed": settings.seeded(recipe.seed),  # the book's seed (GANBOOK_SEED) shifts it
            "data": recipe.data,
            "keras": _keras_version(),
            "onednn": settings.onednn_enabled(),  # oneDNN's kernels round differently
        },
        sort_keys=True,
        default=repr,
    ).encode()
    digest = hashlib.sha256(description)
    digest.update(code_digest(recipe.build, recipe.train).encode())
    return digest.hexdigest()[:24]


def _keras_version() -> str:
    import keras

    return keras.__version__


# Modules whose code does not change a trained model (see the module docstring).
NOT_MODEL_CODE = ("ganbook.settings", "ganbook.atomic", "ganbook.cache", "ganbook.codekeys",
                  "ganbook.data.download", "ganbook.remote")
# What training returns besides weights: it holds results, it does not make them.
NOT_MODEL_NAMES = frozenset({"TrainingRecord", "Recipe"})
_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def _names(code: types.CodeType) -> Iterator[str]:
    """Every global or attribute name a code object uses, nested functions' and classes' included."""
    yield from code.co_names
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _names(constant)


def _is_project(module_name: str, roots: frozenset[str]) -> bool:
    return module_name.split(".")[0] in roots and not module_name.startswith(NOT_MODEL_CODE)


def is_constant(value: Any) -> bool:
    """Whether a value is an immutable constant that hashes the same in every process: numbers,
    strings, and tuples and frozensets of them. (A list or dict may change as the program runs, a
    counter say, and is not hashed; functions held in one are followed.)"""
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, (tuple, frozenset)):
        return all(is_constant(item) for item in value)
    return False


def _dunder(where: str) -> bool:
    """A module's own attributes (``__name__``, ``__file__``): where code lives, not what it computes."""
    name = where.rpartition(":")[2]
    return name.startswith("__") and name.endswith("__")


def _returns_recipe(function: Callable) -> bool:
    try:
        annotation = inspect.signature(function).return_annotation
    except (TypeError, ValueError):
        return False
    return getattr(annotation, "__name__", annotation) == "Recipe"


def _unwrap(value: Any) -> Any:
    while isinstance(value, functools.partial):
        value = value.func
    return getattr(value, "__func__", value)  # a bound or class method's function


def _referenced(function: types.FunctionType, roots: frozenset[str]) -> Iterator[tuple[str, Any]]:
    """(where, value) of what a function's code can reach: its module's globals by name, a project
    module's attributes (``data.load_mnist``), its closure's cells and its default arguments."""
    names = set(_names(function.__code__))
    scope = function.__globals__
    for name in names & scope.keys():
        value = scope[name]
        yield f"{function.__module__}:{name}", value
        if isinstance(value, types.ModuleType) and _is_project(value.__name__, roots):
            yield from ((f"{value.__name__}:{n}", getattr(value, n)) for n in names if hasattr(value, n))
    bound = []
    for cell in function.__closure__ or ():
        try:
            bound.append(cell.cell_contents)
        except ValueError:  # a cell not yet filled
            continue
    bound += [*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()]
    for value in bound:
        yield f"{function.__module__}:{function.__qualname__}()", value


def reachable(*starts: Callable) -> tuple[list[Any], dict[str, Any]]:
    """The project's functions and classes that ``starts`` reach, and the module-level values they read
    (as ``{"module:NAME": value}``). The project is ``ganbook`` and the packages ``starts`` come from."""
    roots = frozenset({"ganbook", *(start.__module__.split(".")[0] for start in starts)})
    todo, seen, definitions, values = [_unwrap(start) for start in starts], set(), [], {}
    while todo:
        item = _unwrap(todo.pop())
        if id(item) in seen:
            continue
        seen.add(id(item))
        module = getattr(item, "__module__", None) or ""
        if inspect.isclass(item):
            if not _is_project(module, roots) or item.__name__ in NOT_MODEL_NAMES:
                continue
            definitions.append(item)
            todo += [base for base in item.__mro__[1:] if _is_project(base.__module__, roots)]
            for member in vars(item).values():
                member = member.fget if isinstance(member, property) else _unwrap(member)
                if inspect.isfunction(member) and member.__module__ not in sys.stdlib_module_names:
                    todo.append(member)
            continue
        if not inspect.isfunction(item) or not _is_project(module, roots) or _returns_recipe(item) \
                or item.__code__.co_filename.startswith("<"):  # made at run time: a dataclass's __eq__
            continue
        definitions.append(item)
        for where, value in _referenced(item, roots):
            value = _unwrap(value)
            if inspect.isfunction(value) or inspect.isclass(value):
                todo.append(value)
            elif is_constant(value) and _is_project(where.partition(":")[0], roots) and not _dunder(where):
                if where.endswith("()"):  # a closure's or a default's value: all of them, in order
                    values.setdefault(where, []).append(value)
                else:
                    values[where] = value
            elif isinstance(value, (tuple, list, frozenset, set, dict)):  # functions held in a container
                todo += [v for v in (value.values() if isinstance(value, dict) else value)
                         if inspect.isfunction(_unwrap(v)) or inspect.isclass(_unwrap(v))]
    return definitions, values


def reached_names(*starts: Callable) -> list[str]:
    """What ``code_digest`` hashes, by name: ``"module:function"`` and ``"module:VALUE"``, sorted."""
    definitions, values = reachable(*starts)
    return sorted({f"{item.__module__}:{item.__qualname__}" for item in definitions} | set(values))


class _BareModuleReferences(ast.NodeTransformer):
    """``module.name`` becomes ``name`` wherever ``module`` is a project module: where a function lives
    is not what it computes."""

    def __init__(self, modules: frozenset[str]):
        self.modules = modules  # the names under which the file imported project modules

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id in self.modules:
            return ast.copy_location(ast.Name(id=node.attr, ctx=node.ctx), node)
        return node


def without_documentation(tree: ast.AST) -> ast.AST:
    """The tree without docstrings (comments and layout are not in a syntax tree anyway)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _definition(item: Any, roots: frozenset[str]) -> tuple[str, str]:
    """The top-level ``def`` or ``class`` that holds ``item``, as its file reads now: its name and its
    normalised syntax tree, dumped (see the module docstring).

    Found by name in the file, not by the line numbers of the loaded code (which
    ``inspect.getsource`` uses): when the file changed after the import, those point into the wrong
    lines, and a key computed then would match neither the old code nor the new.
    """
    module = sys.modules[item.__module__]
    path = Path(inspect.getsourcefile(module))
    status = path.stat()
    modules = frozenset(name for name, value in vars(module).items()
                        if isinstance(value, types.ModuleType) and value.__name__.split(".")[0] in roots)
    top = item.__qualname__.split(".")[0]
    dumped = _dumped(str(path), status.st_mtime_ns, status.st_size, top, modules)
    if dumped is None:  # not a top-level definition of its file (a lambda, say): its own source
        tree = _parse(textwrap.dedent(inspect.getsource(item)))
        return item.__qualname__, _dump(tree, modules)
    return top, dumped


# CPython 3.11's parser is not safe in two threads at once (two threads computing keys raised
# "SystemError: AST constructor recursion depth mismatch" on 3.11.2): one parse at a time.
_PARSING = threading.Lock()


def _parse(source: str) -> ast.Module:
    with _PARSING:
        return ast.parse(source)


@functools.lru_cache(maxsize=1024)
def _dumped(path: str, modified_ns: int, size: int, name: str, modules: frozenset[str]) -> str | None:
    """The dump of the top-level definition ``name`` in one version of a file (its time and size
    name the version), or None."""
    for node in _parse(Path(path).read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return _dump(node, modules)
    return None


def _dump(tree: ast.AST, modules: frozenset[str]) -> str:
    tree = _BareModuleReferences(modules).visit(without_documentation(tree))
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def code_digest(*starts: Callable) -> str:
    """A SHA-256 of the code ``starts`` reach and the values it reads (see the module docstring)."""
    roots = frozenset({"ganbook", *(start.__module__.split(".")[0] for start in starts)})
    definitions, values = reachable(*starts)
    parts = {_definition(item, roots) for item in definitions}
    digest = hashlib.sha256()
    for name, dumped in sorted(parts):
        digest.update(name.encode() + b"\0" + dumped.encode() + b"\0")
    # a value by its name alone, once: the same constant read through two modules is one constant
    for name, value in sorted({(name.rpartition(":")[2], repr(_sorted(value))) for name, value in values.items()}):
        digest.update(name.encode() + b"\0" + value.encode() + b"\0")
    return digest.hexdigest()


def stable_repr(value: Any) -> str:
    """A constant's text, the same in every process (frozensets in a fixed order)."""
    return repr(_sorted(value))


def _sorted(value: Any) -> Any:
    """Frozensets in a fixed order, so that their hash does not depend on the process's string hashing."""
    if isinstance(value, frozenset):
        return sorted((_sorted(item) for item in value), key=repr)
    if isinstance(value, tuple):
        return [_sorted(item) for item in value]
    return value
