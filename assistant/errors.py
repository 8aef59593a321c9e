"""Every error the assistant raises on purpose, drawn in one place.

::

    AssistantError                 any failure the assistant reports on purpose
    ├── SettingsError              a setting or config file is invalid
    ├── CorpusError                a corpus file cannot be used
    │   └── LoadError              unreadable, corrupt, empty, encrypted or unsupported file
    ├── IndexError_                the vector / keyword index cannot serve
    │   ├── IndexNotReady          nothing has been published yet (run ingest first)
    │   ├── IndexBusy              another ingest holds the write lock
    │   └── StoreUnavailable       the Chroma store or data directory cannot be reached or written
    ├── QuestionError              the question itself cannot be accepted
    ├── GenerationError            the optional language model failed or is misconfigured
    ├── EvaluationError            a gold-set file is malformed
    ├── FeedbackError              the feedback store cannot be written
    └── ConversationError          a stored conversation cannot be read or written

Each message is a single line that names the thing that was wrong, because maintainers read
them in ingest reports and officers read them in the UI.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: catch this to handle every deliberate failure of the assistant."""


class SettingsError(AssistantError):
    """A setting has an invalid value or the config file cannot be read."""


class CorpusError(AssistantError):
    """A corpus file cannot be used."""


class LoadError(CorpusError):
    """One file could not be loaded; ``path`` and ``reason`` say which and why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class IndexError_(AssistantError):
    """The index cannot serve or cannot be written."""


class IndexNotReady(IndexError_):
    """No index version has been published yet."""


class IndexBusy(IndexError_):
    """Another ingest run holds the write lock."""


class StoreUnavailable(IndexError_):
    """The Chroma store or the data directory cannot be reached or written."""


class QuestionError(AssistantError):
    """The question cannot be accepted (empty, binary, ...)."""


class GenerationError(AssistantError):
    """The optional generative model failed or is misconfigured."""


class EvaluationError(AssistantError):
    """A gold-set file or evaluation report is malformed."""


class FeedbackError(AssistantError):
    """Feedback could not be stored; answering is unaffected."""


class ConversationError(AssistantError):
    """A stored conversation cannot be read or written; the page keeps its own copy."""


def one_line(exc: BaseException) -> str:
    """The first line of an underlying error, for a message that must stay on one line."""
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__
