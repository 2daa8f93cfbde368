"""How long work tells a management command how far it has got.

The work (demo data, import, export, relinking) reports through a `Progress` callback:
`progress(phase, done, total)` after each batch it finishes. A command asks `for_output`
for one: a tqdm bar per phase when its stdout is a terminal, a callback that does nothing
otherwise (a log or a pipe gets the command's one summary line, not redrawn bars).

`glossary.changes` renders and relinks through `glossary.relinking` without passing a
callback along, so work that calls into it wraps the call in `reported_to(progress)`, and
relinking reports to `listener()` when it was handed none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.management.base import OutputWrapper
from tqdm import tqdm

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): `done` of the `total` items of `phase` are finished."""


def ignore(phase: str, done: int, total: int) -> None:
    """The Progress of work nobody watches."""


_listener: ContextVar[Progress] = ContextVar("glossary_progress", default=ignore)


@contextmanager
def reported_to(progress: Progress | None) -> Iterator[None]:
    """Relinking done inside this block (also through glossary.changes) reports to `progress`."""
    token = _listener.set(progress or ignore)
    try:
        yield
    finally:
        _listener.reset(token)


def listener() -> Progress:
    """Where relinking reports when it was handed no Progress: the innermost `reported_to`."""
    return _listener.get()


class _Unterminated:
    """A command's stdout for tqdm: Django's OutputWrapper ends each write with a newline,
    and a bar redraws its own line."""

    def __init__(self, stdout: OutputWrapper) -> None:
        self._stdout = stdout

    def write(self, text: str) -> None:
        self._stdout.write(text, ending="")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stdout, name)


class Bars:
    """A Progress drawn as one tqdm bar per phase (counts, rate, time left); each finished
    phase stays on screen as a line of its own."""

    def __init__(self, stream: Any) -> None:
        self._stream = _Unterminated(stream) if isinstance(stream, OutputWrapper) else stream
        self._bar: tqdm | None = None
        self._phase: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self._phase != (phase, total):
            self.close()
            self._phase = (phase, total)
            # dynamic_ncols: tqdm measures only sys.stdout and sys.stderr by itself.
            self._bar = tqdm(
                total=total, desc=phase, file=self._stream, unit="", dynamic_ncols=True
            )
        assert self._bar is not None
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._phase = None, None


@contextmanager
def for_output(stdout: Any) -> Iterator[Progress]:
    """Bars on `stdout` when it is a terminal, else `ignore`; the last bar is closed after."""
    if not (hasattr(stdout, "isatty") and stdout.isatty()):
        yield ignore
        return
    bars = Bars(stdout)
    try:
        yield bars
    finally:
        bars.close()
