import os

from django.core.management.base import BaseCommand

from departments.seed import DEMO_USERS, generate_demo_password, seed_demo


class Command(BaseCommand):
    help = "Create the demo departments, handles, hashtags, units, routing rules and users (idempotent)."

    def handle(self, *args, **options):
        password = os.environ.get("SEVA_DEMO_PASSWORD") or ""
        generated = not password
        if generated:
            password = generate_demo_password()
        created = seed_demo(password=password, reset_passwords=not generated)
        self.stdout.write(f"Seeded: {created['departments']} departments and {created['users']} users created.")
        self.stdout.write("Demo users (username / role / department):")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<16} {demo.role:<17} {demo.department}")
        if not generated:
            self.stdout.write(f"Password (from SEVA_DEMO_PASSWORD): {password}")
        elif created["users"]:
            self.stdout.write(f"Password (generated; set SEVA_DEMO_PASSWORD to choose one): {password}")
        else:
            self.stdout.write("The demo users already existed; their passwords are unchanged.")
