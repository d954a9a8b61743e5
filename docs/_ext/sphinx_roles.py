"""Griffe extension for the docs build: turn the reST bits of idpbridge's docstrings into Markdown.

The source docstrings are written to read well in ``help()`` and IDEs, so they use reST roles
(``:class:`~idpbridge.Identity```), ``.. code-block::`` directives and ``>>>`` examples. This
extension rewrites them, at load time and only for the docs build, into what mkdocstrings renders:

* a role whose target resolves to a public idpbridge object becomes a cross-reference
  (``[`Identity`][idpbridge.identity.Identity]``); anything else becomes inline code;
* ``.. code-block:: lang`` and ``>>>`` blocks become fenced code blocks.

Nothing in ``src/`` is modified.
"""

from __future__ import annotations

import ast
import re
import textwrap
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):`([^`]+)`")
_EXPLICIT = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^>]+)>$")
_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. code-block::[ \t]*(?P<lang>\S*)[ \t]*$")


class SphinxRoles(griffe.Extension):
    """Rewrite reST roles and blocks in every docstring of a package once it is loaded."""

    def __init__(self, documented: list[str] | None = None) -> None:
        super().__init__()
        #: Modules whose public members the site renders; links only go there.
        self.documented = tuple(documented or ())

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.path != "idpbridge":
            return
        self._walk(pkg, pkg, set())

    def _walk(self, obj: griffe.Object, root: griffe.Module, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.is_attribute:
            _document_attribute(obj)  # type: ignore[arg-type]
        if obj.docstring is not None:
            obj.docstring.value = self._rewrite(obj.docstring.value, obj, root)
        if obj.is_class and obj.docstring is not None:
            _attributes_from_section(obj)  # type: ignore[arg-type]
        for member in list(obj.members.values()):
            if member.is_alias:
                continue
            self._walk(member, root, seen)  # type: ignore[arg-type]

    # -- text rewriting ---------------------------------------------------------------------

    def _rewrite(self, text: str, obj: griffe.Object, root: griffe.Module) -> str:
        text = _fence_literal_blocks(text)
        text = _fence_directives(text)
        text = _fence_doctests(text)
        return _ROLE.sub(lambda m: self._role(m.group(1), obj, root), text)

    def _role(self, body: str, obj: griffe.Object, root: griffe.Module) -> str:
        explicit = _EXPLICIT.match(body)
        if explicit:
            title, target = explicit.group("title"), explicit.group("target")
        else:
            target = body
            short = target.startswith("~")
            target = target.lstrip("~")
            title = target.rsplit(".", 1)[-1] if short else target
        path = self._resolve(target, obj, root)
        if path is None:
            return f"`{title}`"
        return f"[`{title}`][{path}]"

    def _resolve(self, target: str, obj: griffe.Object, root: griffe.Module) -> str | None:
        found: Any = None
        if target == "idpbridge":
            found = root
        elif target.startswith("idpbridge."):
            found = _lookup(root, target.removeprefix("idpbridge."))
        else:
            scope: Any = obj
            while scope is not None and found is None:
                found = _lookup(scope, target)
                scope = scope.parent
        if found is None:
            return None
        try:
            obj_ = found.final_target if found.is_alias else found
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
        module = obj_ if obj_.is_module else obj_.module
        rest = obj_.path.removeprefix(module.path).lstrip(".")
        if any(part.startswith("_") for part in rest.split(".") if part):
            return None
        if module.path in self.documented:
            return obj_.path
        # Defined in a module the site does not render but re-exported by a documented package
        # (``idpbridge._api.connect`` -> ``idpbridge.connect``, ``idpbridge.jit.migrator.Migrator`` ->
        # ``idpbridge.jit.Migrator``): link to the name that package's page renders.
        name = rest.split(".")[0]
        package = module.parent
        while name and package is not None:
            if package.path in self.documented and name in {str(e) for e in package.exports or ()}:
                return f"{package.path}.{rest}"
            package = package.parent
        return None


def _document_attribute(attr: griffe.Attribute) -> None:
    """Hide the right-hand side of ``self.x = ...`` and use a pydantic ``Field(description=...)``."""
    if "instance-attribute" in attr.labels and "class-attribute" not in attr.labels:
        attr.value = None
    value = attr.value
    if attr.docstring is None and isinstance(value, griffe.ExprCall) and str(value.function) == "Field":
        for arg in value.arguments:
            if isinstance(arg, griffe.ExprKeyword) and arg.name == "description":
                try:
                    text = ast.literal_eval(str(arg.value))
                except (ValueError, SyntaxError):
                    continue
                attr.docstring = griffe.Docstring(text, parent=attr)


def _attributes_from_section(cls: griffe.Class) -> None:
    """Give undocumented members the description their class's ``Attributes:`` section has."""
    if cls.docstring is None:
        return
    for section in cls.docstring.parse("google", warnings=False):
        if section.kind is not griffe.DocstringSectionKind.attributes:
            continue
        for item in section.value:
            member = cls.members.get(item.name)
            if member is not None and not member.is_alias and member.docstring is None and item.description:
                member.docstring = griffe.Docstring(item.description, parent=member)


def _lookup(scope: Any, dotted: str) -> Any:
    try:
        return scope[dotted]
    except (KeyError, ValueError, IndexError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _fence_directives(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent = m.group("indent")
        i += 1
        block: list[str] = []
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
        ):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        body = textwrap.dedent("\n".join(block)).strip("\n")
        out.extend(
            [f"{indent}```{m.group('lang')}", *[indent + line for line in body.splitlines()], f"{indent}```"]
        )
        if i < len(lines):
            out.append("")
    return "\n".join(out)


def _fence_doctests(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].lstrip()
        if not stripped.startswith(">>>"):
            out.append(lines[i])
            i += 1
            continue
        indent = lines[i][: len(lines[i]) - len(stripped)]
        block = []
        while i < len(lines) and lines[i].strip() and lines[i].startswith(indent):
            block.append(lines[i][len(indent) :])
            i += 1
        out.extend([f"{indent}```pycon", *[indent + b for b in block], f"{indent}```"])
    return "\n".join(out)


def _fence_literal_blocks(text: str) -> str:
    """``Some text::`` followed by an indented block becomes ``Some text:`` and a fenced block."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not (line.rstrip().endswith("::") and not line.lstrip().startswith("..")):
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        out.append(line.rstrip()[:-1])
        i += 1
        block: list[str] = []
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        body = textwrap.dedent("\n".join(block)).strip("\n")
        pad = " " * indent
        body = body.replace("``", "")  # reST inline literals mean nothing inside a code block
        out.extend(["", f"{pad}```text", *[pad + b for b in body.splitlines()], f"{pad}```"])
        if i < len(lines):
            out.append("")
    return "\n".join(out)
