"""The official accounts' posting credentials: encrypted at rest, refreshed before they expire,
connected by a ministry admin through OAuth 2.0 with PKCE, never shown again once saved."""
