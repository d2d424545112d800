"""`manage.py quick_start --address`: where scripts/run.sh tells runserver to listen, from
the same settings as the short links."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1:8123"),
        ("0.0.0.0", "0.0.0.0:8123"),  # noqa: S104 - what HOST=0.0.0.0 asks for
        ("::", "[::]:8123"),
        ("::1", "[::1]:8123"),
        ("localhost", "localhost:8123"),
    ],
)
def test_quick_start_address_is_host_and_port_as_runserver_takes_them(settings, host, address):
    settings.HOST = host
    settings.PORT = 8123
    out = StringIO()

    call_command("quick_start", "--address", stdout=out)

    assert out.getvalue() == f"{address}\n"
