"""Every error govsite reports, in one module, each with the exit code the CLI ends
with (README: 0 fine, 1 something was refused or failed, 2 a usage or configuration
error). Messages are Chinese, for the person who can fix it; `govsite` prints
`govsite <command>：<message>` on stderr and exits with `code` (workflow/cli).
"""
from __future__ import annotations

import signal
from collections.abc import Sequence
from typing import Protocol


class GovsiteError(Exception):
    """A failure told to the user; `code` is the exit code."""
    code = 1

    def __init__(self, message: str = "", code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class UsageError(GovsiteError):
    """The command was given something it cannot use (a missing file, a bad option value)."""
    code = 2


class Reported(Protocol):
    """What ConfigError carries: a finding (workflow/model/findings.py), which this
    module, the first of the stages, does not import."""

    def format(self) -> str: ...


class ConfigError(GovsiteError):
    """A configuration problem (site.yaml, a policy file, allowed_signers…) that stops
    everything before anything is written; carries every finding, printed at once."""
    code = 2

    def __init__(self, findings: Sequence[Reported]) -> None:
        self.findings = findings
        super().__init__("\n".join(f.format() for f in findings))


# -- the gate and the build --------------------------------------------------------------

class WorkerDied(GovsiteError):
    """A worker process ended without a result (killed, or crashed in native code)."""
    code = 2

    def __init__(self, task: object, last: str | None, exitcode: int | None) -> None:
        self.task, self.last, self.exitcode = task, last, exitcode
        how = (f"被信号 {-exitcode} 终止" + ("（可能是内存不足被系统终止）" if exitcode == -signal.SIGKILL else "")
               if exitcode is not None and exitcode < 0 else f"意外退出（退出码 {exitcode}）")
        where = f"，当时正在处理 {last}" if last else ""
        super().__init__(f"工作进程{how}{where}")


class WorkerFailed(GovsiteError):
    """A worker raised an exception it could not send back as itself."""


class BuildError(GovsiteError):
    """The build failed; the previous output is untouched."""


class BuildLocked(BuildError):
    """Another build holds the output folder."""
    code = 2


class ChangedError(BuildError):
    """A listed file differs from the one the gate decided on (changed during the build)."""


class ManifestError(GovsiteError):
    """A manifest that is missing, unreadable or not of our format."""


# -- signatures -----------------------------------------------------------------------------

class SignerError(GovsiteError):
    """allowed_signers cannot be read, or ssh-keygen could not sign."""


class SigningError(GovsiteError):
    """A release manifest cannot be signed or its deploy key is not allowed to."""


class ChangeError(GovsiteError):
    """What a pull request changed cannot be worked out (an unknown base, no Git)."""
    code = 2


# -- publishing -----------------------------------------------------------------------------

class DeployError(GovsiteError):
    """A refused or failed deploy or rollback; nothing live changed."""


class SwitchedError(DeployError):
    """A failure after `current` was switched somewhere: the message says what is live where."""


class Aborted(DeployError):
    """SIGTERM, SIGINT or SIGHUP while deploying."""

    def __init__(self, name: str) -> None:
        super().__init__(f"收到 {name}，已中止", 130)


class NginxConfigError(GovsiteError):
    """A value that cannot go into the nginx configuration."""
    code = 2


class LinkCheckerFailed(GovsiteError):
    """LinkChecker did not run to the end: the result says nothing about links."""
    code = 2
