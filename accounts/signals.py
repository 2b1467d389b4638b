"""What accounts announces, so tickets can write the audit events (accounts imports neither
tickets nor departments). Each is sent inside the transaction of the change it describes, so its
receiver's event commits or rolls back with it.

Every signal carries `user` (whose account changed) and `actor` (who did it: the user themselves,
an admin, or None for a command run at the console).
"""

import django.dispatch

# A password was set (by its owner in the workspace, or by an admin). Also: `tokens_revoked` (int).
password_changed = django.dispatch.Signal()
# An API token was issued. Also: `token` (the stored row: its digest and expiry, never the token).
api_token_issued = django.dispatch.Signal()
# API tokens were revoked. Also: `tokens` (the rows, already deleted) and `reason` (a short code).
api_tokens_revoked = django.dispatch.Signal()
# A TOTP device was confirmed: two-factor sign-in is on. Also: `device`.
two_factor_enrolled = django.dispatch.Signal()
