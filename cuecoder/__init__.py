"""cuecoder: code brand and influencer replies for parasocial-interaction cues."""

from __future__ import annotations

__version__ = "0.1.0"
