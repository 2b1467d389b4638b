from django.core.asgi import get_asgi_application

from seva.startup import settings_module_required

settings_module_required()
application = get_asgi_application()
