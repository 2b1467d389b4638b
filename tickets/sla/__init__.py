"""SLA targets in business time, in three parts: the clock (pure arithmetic), the targets that
govern a department (read from the database), and the services that move tickets' due times."""
