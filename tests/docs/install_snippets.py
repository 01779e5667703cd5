"""Read the marked snippets out of docs/install.md.

A snippet is a fenced code block right after an HTML comment that says what to do with it:

- ``<!-- install: run -->``: shell commands, one per line;
- ``<!-- install: append FILE -->``: append the block to FILE;
- ``<!-- install: insert FILE before|after ANCHOR -->``: insert the block next to the first line
  of FILE containing ANCHOR, indented like that line.
"""

import re
from dataclasses import dataclass
from pathlib import Path


MARKED = re.compile(
    r"<!-- install: (?P<action>run|append|insert)(?: (?P<args>[^\n]*?))? -->[ \t]*\n"
    r"```[a-z]*\n(?P<code>[\s\S]*?)```",
)


@dataclass(frozen=True)
class Snippet:
    action: str
    target: str = ""
    where: str = ""      # "before" / "after" for inserts
    anchor: str = ""
    code: str = ""

    def commands(self) -> list[str]:
        lines = [line.split(" #", 1)[0].strip() for line in self.code.splitlines()]
        return [line for line in lines if line and not line.startswith("#")]

    def apply(self, project: Path) -> None:
        path = project / self.target
        text = path.read_text()
        if self.action == "append":
            path.write_text(text.rstrip("\n") + "\n\n" + self.code)
            return
        lines = text.splitlines(keepends=True)
        for index, line in enumerate(lines):
            if self.anchor in line:
                indent = line[: len(line) - len(line.lstrip())]
                block = "".join(indent + code + "\n" for code in self.code.splitlines())
                at = index if self.where == "before" else index + 1
                lines[at:at] = [block]
                path.write_text("".join(lines))
                return
        raise AssertionError(f"{self.target} has no line with {self.anchor!r}: the guide's "
                             "anchor no longer matches what `wagtail start` makes")


def snippets(markdown: str) -> list[Snippet]:
    found = []
    for match in MARKED.finditer(markdown):
        action, args, code = match["action"], (match["args"] or "").strip(), match["code"]
        if action == "run":
            found.append(Snippet("run", code=code))
        elif action == "append":
            found.append(Snippet("append", target=args, code=code))
        else:
            target, where, anchor = re.match(r"(\S+) (before|after) (.+)", args).groups()
            found.append(Snippet("insert", target, where, anchor, code))
    return found


def unmarked_blocks(markdown: str) -> list[str]:
    """Fenced python/django/sh blocks of the install steps without a marker (for the check
    that nothing in the guide escapes the test)."""
    marked = {m.start("code") for m in MARKED.finditer(markdown)}
    blocks = []
    for match in re.finditer(r"```(?P<lang>[a-z]*)\n(?P<code>.*?)```", markdown, re.S):
        if match.start("code") not in marked:
            blocks.append((match["lang"], match["code"]))
    return blocks
