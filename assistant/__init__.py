"""An offline assistant over guidance notes on Stalking Protection Orders.

The public API is small on purpose::

    from assistant import Assistant, load_settings, ingest
    settings = load_settings()
    ingest(settings)                      # bring the index in line with corpus/
    answer = Assistant(settings).ask("How long does an interim SPO last?")
"""

from __future__ import annotations

import os

# Fully offline and quiet by default: no hub look-ups, no telemetry, no progress noise.
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ.setdefault(_key, _value)

from .answering import Assistant  # noqa: E402
from .errors import AssistantError  # noqa: E402
from .indexing import IngestReport, ingest  # noqa: E402
from .settings import Settings, load_settings  # noqa: E402

__all__ = ["Assistant", "AssistantError", "IngestReport", "Settings", "ingest", "load_settings"]
