"""The rules for each small table of the old database (users, clients, campaigns, tags,
links, link tags): read in batches, every row checked with this app's rules, then inserted,
merged into an existing row or rejected, and reported (legacy/importer.py runs them in order;
clicks, the big table, are legacy/clicks.py's)."""

import uuid

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError

from accounts.models import normalize_email
from links import link_changes
from links.destinations import normalize_destination
from links.names import name_keys, normalize_name
from links.shortcodes import CODE_RE
from macondo.uuids import parse_uuid

# Destination problems an imported link may keep: the old system served them already.
_TOLERATED_URL_ERRORS = {"too_long"}


def import_users(run):
    by_email = run.target_keys("SELECT email, id FROM users")
    query = (
        'SELECT "id", "email", "name", "avatarUrl", "createdAt" AT TIME ZONE \'UTC\', '
        '"updatedAt" AT TIME ZONE \'UTC\' FROM "users" ORDER BY "createdAt", "id"'
    )
    for batch in run.source_batches("users", query):
        rows = []
        for sid, email, name, avatar, created, updated in batch:
            uid = parse_uuid(sid)
            if uid is None:
                run.reject("users", sid, "id is not a UUID")
                continue
            email = normalize_email(email or "")
            if "@" not in email or len(email) > 254:
                run.reject("users", sid, f"invalid email {email!r}")
                continue
            existing = by_email.get(email)
            if existing is not None and existing != uid:
                run.merge(
                    "users", sid, existing, f"email {email} (lower-cased) is already a user's"
                )
                continue
            if avatar and len(avatar) > 2048:
                run.note("users", sid, "avatar URL longer than 2048 characters left out")
                avatar = None
            by_email[email] = run.maps["users"][sid] = uid
            # Staff sign in with Google: no usable password, like UserManager does.
            rows.append(
                (uid, make_password(None), email, (name or "")[:255], avatar, created, updated)
            )
        run.insert(
            "users",
            ("id", "password", "email", "name", "avatar_url", "created_at", "updated_at")
            + ("is_active", "is_staff", "is_superuser", "role"),
            ("uuid", "text", "text", "text", "text", "timestamptz", "timestamptz")
            + ("boolean", "boolean", "boolean", "text"),
            # Active, with the role of a new sign-in: who administers is decided here,
            # not imported.
            [row + (True, False, False, settings.DEFAULT_STAFF_ROLE) for row in rows],
        )
    run.progress("users")


def import_clients(run):
    # Names compared as the unique index compares them (links/names.py).
    target = run.fetch_target("SELECT id, lower(name), name FROM clients")
    ids = {uid for uid, _, _ in target}
    by_key = {key: (uid, name) for uid, key, name in target}
    query = (
        'SELECT "id", "name", "createdAt" AT TIME ZONE \'UTC\', '
        '"updatedAt" AT TIME ZONE \'UTC\' FROM "clients" ORDER BY "createdAt", "id"'
    )
    for batch in run.source_batches("clients", query):
        keys = name_keys(name or "" for _, name, _, _ in batch)
        rows = []
        for sid, raw, created, updated in batch:
            uid = parse_uuid(sid)
            name = normalize_name(raw)
            if uid is None:
                run.reject("clients", sid, "id is not a UUID")
                continue
            if not name or len(name) > 200:
                run.reject("clients", sid, "name is empty or longer than 200 characters")
                continue
            existing = by_key.get(keys[raw or ""])
            if uid not in ids and existing is not None:
                # Its links and campaigns are attached to the earlier client.
                run.merge(
                    "clients",
                    sid,
                    existing[0],
                    f"{raw!r} is the same name as {existing[1]!r} (trimmed, in any case)",
                )
                continue
            if name != raw:
                run.note("clients", sid, "name stored trimmed")
            if uid not in ids:
                by_key[keys[raw]] = (uid, name)
            run.maps["clients"][sid] = uid
            rows.append((uid, name, created, updated))
        run.insert(
            "clients",
            ("id", "name", "created_at", "updated_at"),
            ("uuid", "text", "timestamptz", "timestamptz"),
            rows,
        )
    run.progress("clients")


def import_campaigns(run):
    target = run.fetch_target("SELECT id, client_id, lower(name), name FROM campaigns")
    ids = {uid for uid, _, _, _ in target}
    by_key = {(client, key): (uid, name) for uid, client, key, name in target}
    query = (
        'SELECT "id", "name", "clientId", "createdAt" AT TIME ZONE \'UTC\', '
        '"updatedAt" AT TIME ZONE \'UTC\' FROM "campaigns" ORDER BY "createdAt", "id"'
    )
    for batch in run.source_batches("campaigns", query):
        keys = name_keys(name or "" for _, name, _, _, _ in batch)
        rows = []
        for sid, raw, client_sid, created, updated in batch:
            uid = parse_uuid(sid)
            # A merged client's campaigns go to the client it was merged into.
            client = run.maps["clients"].get(client_sid)
            name = normalize_name(raw)
            if uid is None:
                run.reject("campaigns", sid, "id is not a UUID")
                continue
            if client is None:
                run.reject("campaigns", sid, f"orphan: client {client_sid} not imported")
                continue
            if not name or len(name) > 200:
                run.reject("campaigns", sid, "name is empty or longer than 200 characters")
                continue
            existing = by_key.get((client, keys[raw or ""]))
            if uid not in ids and existing is not None:
                run.merge(
                    "campaigns",
                    sid,
                    existing[0],
                    f"{raw!r} is the same name as the client's campaign "
                    f"{existing[1]!r} (trimmed, in any case)",
                )
                continue
            if name != raw:
                run.note("campaigns", sid, "name stored trimmed")
            if uid not in ids:
                by_key[(client, keys[raw])] = (uid, name)
            run.maps["campaigns"][sid] = uid
            rows.append((uid, name, client, created, updated))
        run.insert(
            "campaigns",
            ("id", "name", "client_id", "created_at", "updated_at"),
            ("uuid", "text", "uuid", "timestamptz", "timestamptz"),
            rows,
        )
    run.progress("campaigns")


def import_tags(run):
    by_lower = run.target_keys("SELECT lower(name), id FROM tags")
    query = (
        'SELECT "id", "name", "createdAt" AT TIME ZONE \'UTC\', '
        '"updatedAt" AT TIME ZONE \'UTC\' FROM "tags" ORDER BY "createdAt", "id"'
    )
    for batch in run.source_batches("tags", query):
        rows = []
        for sid, name, created, updated in batch:
            uid = parse_uuid(sid)
            if uid is None:
                run.reject("tags", sid, "id is not a UUID")
                continue
            if not name or len(name) > 100:
                run.reject("tags", sid, "name is empty or longer than 100 characters")
                continue
            existing = by_lower.get(name.lower())
            if existing is not None and existing != uid:
                run.merge("tags", sid, existing, f"tag {name!r} clashes case-insensitively")
                continue
            by_lower[name.lower()] = run.maps["tags"][sid] = uid
            rows.append((uid, name, created, updated))
        run.insert(
            "tags",
            ("id", "name", "created_at", "updated_at"),
            ("uuid", "text", "timestamptz", "timestamptz"),
            rows,
        )
    run.progress("tags")


def import_links(run):
    by_code = run.target_keys("SELECT short_code, id FROM links")
    campaign_clients = dict(run.fetch_target("SELECT id, client_id FROM campaigns"))
    # The column name is one of OPTIONAL_COLUMNS' fixed spellings, never source data.
    name = f'"{run.columns["name"][0]}"' if "name" in run.columns else "''"
    query = (
        f'SELECT "id", "shortCode", "originalUrl", "userId", "clientId", "campaignId", '  # noqa: S608
        f"{name}, \"createdAt\" AT TIME ZONE 'UTC', \"updatedAt\" AT TIME ZONE 'UTC' "
        'FROM "links" ORDER BY "createdAt", "id"'
    )
    for batch in run.source_batches("links", query):
        rows = []
        for (
            sid,
            code,
            url,
            user_sid,
            client_sid,
            campaign_sid,
            title,
            created,
            updated,
        ) in batch:
            uid = parse_uuid(sid)
            user = run.maps["users"].get(user_sid)
            client = run.maps["clients"].get(client_sid)
            if uid is None:
                run.reject("links", sid, "id is not a UUID")
                continue
            if user is None or client is None:
                missing = f"user {user_sid}" if user is None else f"client {client_sid}"
                run.reject("links", sid, f"orphan: {missing} not imported")
                continue
            if not code or not CODE_RE.fullmatch(code):
                run.reject("links", sid, f"short code {code!r} cannot be served in a URL")
                continue
            if by_code.get(code, uid) != uid:
                run.reject("links", sid, f"short code {code!r} is taken by another link")
                continue
            reason = _destination_problem(url)
            if reason:
                run.reject("links", sid, reason)
                continue
            campaign = run.maps["campaigns"].get(campaign_sid) if campaign_sid else None
            if campaign_sid and campaign is None:
                run.note("links", sid, f"campaign {campaign_sid} not imported: left empty")
            elif campaign and campaign_clients.get(campaign) != client:
                run.note("links", sid, "campaign of another client: left empty")
                campaign = None
            by_code[code] = run.maps["links"][sid] = uid
            rows.append(
                (uid, code, url, user, client, campaign, (title or "")[:200], created, updated)
            )
        run.insert(
            "links",
            (
                "id",
                "short_code",
                "original_url",
                "user_id",
                "client_id",
                "campaign_id",
                "name",
                "created_at",
                "updated_at",
                "is_active",
                "forward_query",
            ),
            ("uuid", "text", "text", "uuid", "uuid", "uuid", "text")
            + ("timestamptz", "timestamptz", "boolean", "boolean"),
            # Old links redirect exactly to the stored URL, as they did before.
            [row + (True, False) for row in rows],
        )
        run.progress("links")
    if run.counts["links"].inserted and not run.dry_run:
        # Rows written without signals: every worker reads its set of codes again.
        link_changes.announce_all()


def _destination_problem(url):
    """None when the link may keep its stored URL as it is (normalised or not)."""
    try:
        normalize_destination(url)
    except ValidationError as error:
        if error.code not in _TOLERATED_URL_ERRORS:
            return f"destination {url!r:.200}: {' '.join(error.messages)}"
    return None


def import_link_tags(run):
    query = (
        'SELECT "linkId", "tagId", "assignedAt" AT TIME ZONE \'UTC\' FROM "link_tags" '
        'ORDER BY "linkId", "tagId"'
    )
    for batch in run.source_batches("link_tags", query):
        rows = []
        for link_sid, tag_sid, assigned in batch:
            link = run.maps["links"].get(link_sid)
            tag = run.maps["tags"].get(tag_sid)
            if link is None or tag is None:
                missing = f"link {link_sid}" if link is None else f"tag {tag_sid}"
                run.reject("link_tags", f"{link_sid}/{tag_sid}", f"orphan: {missing}")
                continue
            rows.append((uuid.uuid4(), link, tag, assigned))
        run.insert(
            "link_tags",
            ("id", "link_id", "tag_id", "assigned_at"),
            ("uuid", "uuid", "uuid", "timestamptz"),
            rows,
            conflict="(link_id, tag_id)",
        )
        run.progress("link_tags")
