"""The quick start's .env: written once, then kept in step with the knobs a run is given."""

import stat

import pytest

from macondo.local_env import file_values, sync

DATABASE_URL = "postgres://macondo:s3cret@127.0.0.1:5432/macondo_local"


def test_a_missing_env_file_is_written_with_debug_a_secret_key_and_the_given_knobs(tmp_path):
    path = tmp_path / ".env"

    done = sync(path, {"DATABASE_URL": DATABASE_URL, "PORT": "8123", "EDITOR": "vi"})

    values = file_values(path)
    assert values["DEBUG"] == "true"
    assert len(values["SECRET_KEY"]) >= 50
    assert values["DATABASE_URL"] == DATABASE_URL
    assert values["PORT"] == "8123"
    assert "EDITOR" not in values
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(done) == 1
    assert "DATABASE_URL=postgres://macondo:***@127.0.0.1:5432/macondo_local" in done[0]
    assert "s3cret" not in done[0]


def test_an_existing_env_file_without_the_database_gains_it_and_says_so(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# mine\nDEBUG=true\nSECRET_KEY=kept\n")

    done = sync(path, {"DATABASE_URL": DATABASE_URL, "DEBUG": "true", "SECRET_KEY": "kept"})

    assert path.read_text() == f"# mine\nDEBUG=true\nSECRET_KEY=kept\nDATABASE_URL={DATABASE_URL}\n"
    assert done == [
        "Added DATABASE_URL=postgres://macondo:***@127.0.0.1:5432/macondo_local to .env, "
        "so later manage.py commands use it too."
    ]


def test_a_given_value_that_differs_from_the_file_replaces_it_and_says_so(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DEBUG=true\nPORT=8000\nTIME_ZONE=UTC\n")

    done = sync(path, {"PORT": "8123"})

    assert path.read_text() == "DEBUG=true\nPORT=8123\nTIME_ZONE=UTC\n"
    assert done == [
        "Changed PORT in .env from 8000 to 8123, so later manage.py commands use it too."
    ]


def test_values_the_file_already_holds_leave_it_untouched(tmp_path):
    path = tmp_path / ".env"
    text = f"DEBUG=true\nDATABASE_URL={DATABASE_URL}\nPORT=8123\n"
    path.write_text(text)
    # What settings.py leaves in the environment after reading the file.
    environment = {"DEBUG": "true", "DATABASE_URL": DATABASE_URL, "PORT": "8123"}

    assert sync(path, environment) == []
    assert path.read_text() == text


def test_an_empty_value_is_not_kept(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DEBUG=true\n")

    assert sync(path, {"HOST": "", "DATABASE_URL": ""}) == []
    assert path.read_text() == "DEBUG=true\n"


def test_a_value_with_a_line_break_is_refused_and_the_file_left_alone(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DEBUG=true\n")

    with pytest.raises(ValueError, match="line break"):
        sync(path, {"HOST": "127.0.0.1\nDEBUG=false"})
    assert path.read_text() == "DEBUG=true\n"
