"""Reserved rules for what the pandera schema rejects (IDs S001-S099)."""
