"""The HTTP API, one module per resource; one view per endpoint (see STYLE.md)."""
