"""The staff workspace: server-rendered pages under /desk/ over the tickets services and selectors."""
