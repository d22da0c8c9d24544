"""Sensitivity and risk: sample -> evaluate (one vectorised engine call, chunked) -> analyse."""
