"""The accountability report: `figures` computes it (selectors), `tables` lays it out as the
files' sections, one `render_<format>` module draws each format, and `export` is the service that
makes the file and records the EXPORTED event (re-exported by `tickets.services`)."""
