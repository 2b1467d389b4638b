from django.apps import AppConfig


class IngestionConfig(AppConfig):
    name = "ingestion"

    def ready(self):
        # The outbox (tickets) kicks the sender through this hook, so tickets never names an ingestion task.
        from ingestion.tasks import replies_send
        from tickets.services.outbox import outbox_sender_register

        outbox_sender_register(enqueue=replies_send.delay)
