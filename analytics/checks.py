from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def redis_for_shared_click_state(app_configs, **kwargs):
    if settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: click bursts are counted per process (each gunicorn "
            "worker sees only its own clicks, so a flood spread over the workers passes for "
            "people), and link edits reach the redirect's cache only after "
            "LINK_CACHE_TTL_WITHOUT_SYNC.",
            hint="Set REDIS_URL (see docs/bot-verdicts.md and docs/redirect.md).",
            id="analytics.W001",
        )
    ]
