"""Where the shared GeoIP test databases are: `../shared/geoip` beside the repository (main
checkout, CI), or two levels up from a worktree (`/work/wt/issueN`)."""

from pathlib import Path

from django.conf import settings


def geoip_test_dir():
    root = Path(settings.BASE_DIR)
    for candidate in (root.parent / "shared" / "geoip", root.parent.parent / "shared" / "geoip"):
        if candidate.is_dir():
            return candidate
    return root.parent / "shared" / "geoip"


GEOIP = str(geoip_test_dir())
