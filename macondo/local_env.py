"""The checkout's `.env` for local runs (scripts/run.sh through `manage.py quick_start`).

Written once with DEBUG=true and a random SECRET_KEY, then kept in step with the knobs a
run is given (database, address), so that later `manage.py` commands in the checkout use
the same database and print short links for the same port. Real environment variables win
over `.env` (settings.py reads it without overwriting), which is how "given" is told apart:
a value in the environment that `.env` lacks or holds differently.
"""

import os
import re
import secrets

import environ

from macondo.logs import redact

REMEMBERED = ("DATABASE_URL", "HOST", "PORT", "SHORT_LINK_BASE_URL")
HEADER = "# Local development (written by scripts/run.sh); every knob is in .env.example\n"


def file_values(path):
    """What `.env` sets, parsed by the same reader as settings.py."""

    class FileOnly(environ.Env):
        ENVIRON = {}

    FileOnly.read_env(path, overwrite=True)
    return FileOnly.ENVIRON


def shown(value):
    """A value as printed: a password in a database URL is masked."""
    return redact(value, mask_ips=False)


def sync(path, environment):
    """Write `.env` if it is missing, else add or change the remembered knobs the
    environment gives; returns one line per thing done, for the person running it."""
    given = {name: environment[name] for name in REMEMBERED if environment.get(name)}
    for name, value in given.items():
        if "\n" in value:
            raise ValueError(f"{name} contains a line break; .env cannot hold it.")
    if not path.exists():
        lines = ["DEBUG=true", f"SECRET_KEY={secrets.token_urlsafe(64)}"]
        lines += [f"{name}={value}" for name, value in given.items()]
        # Owner-only: it holds the secret key and maybe a database password.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as env_file:
            env_file.write(HEADER + "".join(f"{line}\n" for line in lines))
        kept = "".join(f", {name}={shown(value)}" for name, value in given.items())
        return [f"Wrote {path.name} for local development (DEBUG=true, a random SECRET_KEY{kept})."]

    current = file_values(path)
    text = path.read_text()
    done = []
    for name, value in given.items():
        if name not in current:
            text += ("" if text.endswith("\n") or not text else "\n") + f"{name}={value}\n"
            done.append(
                f"Added {name}={shown(value)} to {path.name}, so later manage.py commands "
                "use it too."
            )
        elif current[name] != value:
            # The last assignment is the one that counts; replace that one.
            *_, last = re.finditer(rf"^(?:export )?{name}=.*$", text, flags=re.MULTILINE)
            text = f"{text[: last.start()]}{name}={value}{text[last.end() :]}"
            done.append(
                f"Changed {name} in {path.name} from {shown(current[name])} to "
                f"{shown(value)}, so later manage.py commands use it too."
            )
    if done:
        path.write_text(text)
    return done
