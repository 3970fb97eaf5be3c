"""The README's console transcripts, produced by running their commands.

A transcript is a ```` ```console ```` block preceded by the marker line
``<!-- transcript -->``.  Each ``$ COMMAND`` line in it is run with ``bash`` in one
temporary folder (commands of a block share it, blocks are independent), with the
project's ``linreg`` first on ``PATH``; the lines after a command are its output (stdout
and stderr together, as a terminal shows them).  Volatile text is normalised the same way
when writing and when checking: the temporary folder's path becomes ``.``.

    python docs/readme_transcripts.py            # rewrite README.md from real runs
    python docs/readme_transcripts.py --check    # exit 1 if README.md differs from a run

``tests/test_readme_transcripts.py`` runs the check, so "output from a real run" stays
true.  A command whose output legitimately varies between runs (timings) carries the
comment ``# output varies`` after it; its output is checked for shape only (the same
number of lines, the same first word on each line).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKER = "<!-- transcript -->"
VARIES = "# output varies"
_BLOCK = re.compile(re.escape(MARKER) + r"\n```console\n(.*?)```", re.S)


@dataclass
class Step:
    """One ``$ command`` of a transcript and the output shown under it."""

    command: str
    output: list[str] = field(default_factory=list)

    @property
    def varies(self) -> bool:
        return VARIES in self.command

    def text(self) -> str:
        return "\n".join([f"$ {self.command}", *self.output])


def parse(block: str) -> list[Step]:
    """The steps of one transcript block (the text between the fences)."""
    steps: list[Step] = []
    for line in block.rstrip("\n").split("\n"):
        if line.startswith("$ "):
            steps.append(Step(line[2:]))
        elif steps:
            steps[-1].output.append(line)
        else:
            raise ValueError(f"transcript text before its first command: {line!r}")
    return steps


def blocks(text: str) -> list[tuple[re.Match, list[Step]]]:
    """Every transcript block of ``text`` with its parsed steps."""
    return [(m, parse(m.group(1))) for m in _BLOCK.finditer(text)]


def _environment() -> dict:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
    env["COLUMNS"] = "100"
    env.pop("FORCE_COLOR", None)
    return env


def run(steps: list[Step], timeout: float = 300) -> list[Step]:
    """Run the commands of one block in a fresh folder; the steps with real output."""
    env = _environment()
    done = []
    with tempfile.TemporaryDirectory(prefix="linreg-readme-") as folder:
        real = os.path.realpath(folder)
        for step in steps:
            proc = subprocess.run(
                ["bash", "-c", step.command],
                cwd=real,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
            )
            out = proc.stdout.replace(real + "/", "./").replace(real, ".")
            done.append(Step(step.command, out.rstrip("\n").split("\n") if out.strip() else []))
    return done


def _shape(lines: list[str]) -> list[str]:
    return [(line.split() or [""])[0] for line in lines]


def differences(shown: list[Step], ran: list[Step]) -> list[str]:
    """What differs between the README's steps and a real run, one entry per step."""
    problems = []
    for a, b in zip(shown, ran):
        same = _shape(a.output) == _shape(b.output) if a.varies else a.output == b.output
        if not same:
            problems.append(f"$ {a.command}\n--- README\n{a.text()}\n--- real run\n{b.text()}")
    return problems


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    text = README.read_text()
    new_text, problems, pos = [], [], 0
    for match, steps in blocks(text):
        ran = run(steps)
        problems += differences(steps, ran)
        new_text += [text[pos : match.start(1)], "\n".join(s.text() for s in ran) + "\n"]
        pos = match.end(1)
    new_text.append(text[pos:])
    if check:
        for problem in problems:
            print(problem, end="\n\n")
        return 1 if problems else 0
    README.write_text("".join(new_text))
    print(f"README.md: {len(blocks(text))} transcript(s) rewritten from real runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
