"""JSON report: exactly ``ScrubResult.to_dict()``."""

from __future__ import annotations

import json

from scrubber.result import ScrubResult


def render_json(result: ScrubResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
