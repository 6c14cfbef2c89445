"""The Python code blocks of a Markdown file, with their docs-test markers (for `test_docs.py`).

A ```python block runs on its own, in a fresh namespace, unless an HTML
comment on the line right above its fence says otherwise:

    <!-- docs-test: skip (why it cannot run offline on a CPU) -->
    <!-- docs-test: group NAME -->     blocks of one group run in one namespace, in order

Any other `docs-test` comment, a skip without a reason, or a marker that is
not right above a ```python fence is an error (`MarkerError`), so that no
block is left out silently.
"""

from __future__ import annotations

import dataclasses
import re

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*docs-test:(.*?)-->\s*$")
SKIP = re.compile(r"^skip\s*\((.*)\)$")
GROUP = re.compile(r"^group\s+([\w-]+)$")
PYTHON = ("python", "py")


class MarkerError(ValueError):
    """A docs-test marker that is malformed or does not mark a Python block."""


@dataclasses.dataclass(frozen=True)
class CodeBlock:
    """One ```python block: where it is, its code, and how the docs test treats it."""

    path: str
    line: int                   # 1-based line of its opening fence
    code: str
    skip: str | None = None     # the reason it does not run
    group: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _marker(text: str, where: str) -> tuple[str | None, str | None]:
    """`(skip reason, group)` of a marker's text."""
    text = text.strip()
    skip, group = SKIP.match(text), GROUP.match(text)
    if skip and skip.group(1).strip():
        return skip.group(1).strip(), None
    if group:
        return None, group.group(1)
    raise MarkerError(f"{where}: a docs-test marker is 'skip (reason)' or 'group NAME'; "
                      f"found {text!r}.")


def python_blocks(path: str) -> list[CodeBlock]:
    """Every ```python (or ```py) block of the Markdown file `path`, in order, with its marker.

    Raises:
        MarkerError: a malformed marker, or one that is not right above a Python block.
    """
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    blocks, pending, index = [], None, 0
    while index < len(lines):
        line = lines[index]
        marker = MARKER.match(line.strip())
        if marker:
            if pending is not None:
                raise MarkerError(f"{path}:{pending[0]}: a docs-test marker that marks no "
                                  f"Python block.")
            pending = (index + 1, *_marker(marker.group(1), f"{path}:{index + 1}"))
            index += 1
            continue
        fence = FENCE.match(line)
        if fence is None:
            if pending is not None and line.strip():
                raise MarkerError(f"{path}:{pending[0]}: a docs-test marker must stand right "
                                  f"above a ```python fence.")
            index += 1
            continue
        language, start = fence.group(1).lower(), index
        index += 1
        while index < len(lines) and not lines[index].startswith("```"):
            index += 1
        code = "\n".join(lines[start + 1:index]) + "\n"
        index += 1                                        # the closing fence
        if language in PYTHON:
            skip, group = (pending[1], pending[2]) if pending is not None else (None, None)
            blocks.append(CodeBlock(path, start + 1, code, skip, group))
        elif pending is not None:
            raise MarkerError(f"{path}:{pending[0]}: a docs-test marker above a "
                              f"```{language} block; only Python blocks are run.")
        pending = None
    if pending is not None:
        raise MarkerError(f"{path}:{pending[0]}: a docs-test marker that marks no Python block.")
    return blocks


def runs(blocks: list[CodeBlock]) -> list[list[CodeBlock]]:
    """The blocks as the docs test runs them: each on its own, a group's together (in order,
    at its first block's place); skipped blocks each on their own."""
    units, groups = [], {}
    for block in blocks:
        if block.group is None or block.skip is not None:
            units.append([block])
        elif block.group in groups:
            groups[block.group].append(block)
        else:
            groups[block.group] = [block]
            units.append(groups[block.group])
    return units


LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+\s+(.*?)\s*$")


def _prose(path: str) -> list[str]:
    """The lines of a Markdown file outside its fenced code blocks."""
    with open(path, encoding="utf-8") as f:
        lines, in_code = [], False
        for line in f.read().splitlines():
            if FENCE.match(line) or (in_code and line.startswith("```")):
                in_code = not in_code
            elif not in_code:
                lines.append(line)
    return lines


def heading_anchors(path: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file (`## Zoo` -> `zoo`)."""
    anchors = set()
    for line in _prose(path):
        heading = HEADING.match(line)
        if heading:
            text = re.sub(r"[^\w\- ]", "", heading.group(1).lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


def relative_links(path: str) -> list[str]:
    """The targets of a Markdown file's links that are not web addresses (`zoo.md#the-demo`)."""
    return [link for line in _prose(path) for link in LINK.findall(line)
            if not re.match(r"^[a-z]+:", link)]
