from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """The fake X API, the tweet generator and the simulator: for tests and the demo, never production."""

    name = "devtools"
