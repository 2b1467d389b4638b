"""SLA targets in business time, in three parts: the clock (pure arithmetic), the targets that
govern a department (read from the database), and the services that move tickets' due times."""

# tickets/intake.py still imports the bulk due times from here; once it imports them from
# tickets.sla.targets, this line goes and the package exports nothing.
from tickets.sla.targets import sla_due_times_bulk

__all__ = ["sla_due_times_bulk"]
