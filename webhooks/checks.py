from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def webhook_targets_are_public_https(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    warnings = []
    if settings.WEBHOOKS_ALLOW_HTTP:
        warnings.append(
            Warning(
                "WEBHOOKS_ALLOW_HTTP is on: webhook deliveries (and their signatures) may "
                "travel unencrypted.",
                hint="Leave WEBHOOKS_ALLOW_HTTP unset in production (docs/webhooks.md).",
                id="webhooks.W001",
            )
        )
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        warnings.append(
            Warning(
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS is on: a subscription can make the worker "
                "POST to loopback and private addresses (server-side request forgery).",
                hint="Leave it unset in production (docs/webhooks.md, 'Where requests may go').",
                id="webhooks.W002",
            )
        )
    return warnings
