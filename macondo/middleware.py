"""Two stock middlewares made cheaper for responses that do not need them.

Every short-link redirect passes through the whole middleware stack; profiling it showed
django-csp building its policy (~140 µs) and the messages framework building its cookie
storage and signer (~60 µs) on every redirect, for nothing.
"""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.contrib.messages.middleware import MessageMiddleware as BaseMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(self, request, response):
        # A redirect renders no document, so a policy on it protects nothing.
        if 300 <= response.status_code < 400:
            return response
        return super().process_response(request, response)


class MessageMiddleware(BaseMessageMiddleware):
    """Flash messages with their storage made on first use."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # nobody added or read a message
        return super().process_response(request, response)
