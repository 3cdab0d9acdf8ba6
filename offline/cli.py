"""What every command of the offline tools shares: the exit codes and the one-line error on user mistakes.

| code | meaning |
|------|---------|
| 0 | done, nothing to report |
| 1 | the command ran and found problems (a policy violation, a failed read-back check, a stale snapshot) |
| 2 | a mistake in the input: stack file, config key, flag, data — the one line on stderr names it and the fix |
| 3 | a dangerous change in the plan diff (a protected resource replaced or deleted) |
| 4 | the environment failed (the emulator would not start, a tool is missing): not the input's fault |
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from infra.errors import ConfigError, RegistryUnavailableError
from offline.stacks import StackFileError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_DANGEROUS = 3
EXIT_PLATFORM = 4

# The user's mistakes: each has a message that names the problem and the fix.
USER_ERRORS: tuple[type[BaseException], ...] = (ConfigError, StackFileError, FileNotFoundError)


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Run a command's ``main``: a user mistake is one line on stderr and exit 2, a closed pipe is quiet."""
    try:
        code = main(argv)
        sys.stdout.flush()
        return code
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RegistryUnavailableError as exc:
        # The model registry (mlops:modelPackage) could not be read: AWS or the emulator, not the input.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PLATFORM
    except BrokenPipeError:
        # `python -m offline.plan ... | head`: the reader left; say nothing, and let Python's exit flush
        # write to /dev/null instead of raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def description(doc: str | None) -> str:
    """A module docstring's first line as ``--help`` text: plain words, no reStructuredText markup."""
    first = (doc or "").strip().splitlines()[0] if doc else ""
    return first.replace("``", "").replace("`", "")


def tcp_port(text: str) -> int:
    """An argparse type: a TCP port number, 1-65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1-65535)")
    return value
