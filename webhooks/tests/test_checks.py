import pytest
from django.core.checks import run_checks


def webhook_warnings():
    return sorted(
        m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("webhooks.")
    )


@pytest.mark.parametrize(
    "knobs, expected",
    [
        ({}, []),
        ({"WEBHOOKS_ALLOW_HTTP": True}, ["webhooks.W001"]),
        ({"WEBHOOKS_ALLOW_PRIVATE_TARGETS": True}, ["webhooks.W002"]),
        ({"WEBHOOKS_ALLOW_HTTP": True, "DEBUG": True}, []),
    ],
)
def test_check_deploy_warns_of_plain_http_and_private_targets_in_production(
    settings, knobs, expected
):
    for name, value in knobs.items():
        setattr(settings, name, value)
    assert webhook_warnings() == expected
