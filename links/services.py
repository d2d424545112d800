"""Writing links: the one service used by forms, the admin, imports and tests."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from webhooks import events as webhook_events

from . import resolver, utm
from .models import Link, LinkTag, Tag, UtmRules
from .shortcodes import generate_code, validate_alias

logger = logging.getLogger(__name__)

MAX_TAG_LENGTH = Tag._meta.get_field("name").max_length
_CODE_ATTEMPTS = 8
_SHORT_CODE_CONSTRAINT = "links_short_code_key"


def parse_tag_names(value):
    """Tag names from a list or comma-separated text: trimmed, blanks dropped, and
    case-insensitive duplicates folded ("Summer, summer" is one tag)."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    names, seen = [], set()
    for item in items:
        name = " ".join(str(item).split())
        if not name or name.lower() in seen:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationError(
                {"tags": f"Tag “{name[:20]}…” is longer than {MAX_TAG_LENGTH} characters."}
            )
        seen.add(name.lower())
        names.append(name)
    return names


def get_or_create_tags(names):
    """Tags by name, case-insensitively, created on first use.

    Two requests creating the same new tag at once: the loser's INSERT hits the
    lower(name) unique index, and it reads the winner's row instead.
    """
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name)
            except IntegrityError:
                tag = Tag.objects.get(name__iexact=name)
        tags.append(tag)
    return tags


def _add_tags(link, names):
    """Tags on a link that has none yet (a new one)."""
    LinkTag.objects.bulk_create(
        [LinkTag(link=link, tag=tag) for tag in get_or_create_tags(names)], ignore_conflicts=True
    )


def set_tags(link, names):
    tags = get_or_create_tags(names)
    LinkTag.objects.filter(link=link).exclude(tag__in=tags).delete()
    existing = set(LinkTag.objects.filter(link=link).values_list("tag_id", flat=True))
    LinkTag.objects.bulk_create(
        [LinkTag(link=link, tag=tag) for tag in tags if tag.pk not in existing],
        ignore_conflicts=True,
    )


def _is_short_code_conflict(error):
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) == _SHORT_CODE_CONSTRAINT


def _save_with_code(link, alias):
    """INSERT the link; the unique index on short_code decides, never a check first."""
    if alias:
        link.short_code = alias
        try:
            with transaction.atomic():
                link.save(force_insert=True)
        except IntegrityError as error:
            if _is_short_code_conflict(error):
                raise ValidationError(
                    {"alias": f"The alias “{alias}” is already taken."}, code="alias_taken"
                ) from None
            raise
        return
    for _attempt in range(_CODE_ATTEMPTS):
        link.short_code = generate_code()
        try:
            with transaction.atomic():
                link.save(force_insert=True)
            return
        except IntegrityError as error:
            if not _is_short_code_conflict(error):
                raise
            logger.info("short code collision on %s, retrying", link.short_code)
    raise RuntimeError(f"No free short code after {_CODE_ATTEMPTS} attempts")


def _valid_alias(alias):
    try:
        validate_alias(alias)
    except ValidationError as error:
        raise ValidationError({"alias": error.messages}) from None


def check_alias(alias, exclude_pk=None):
    """Raise ValidationError keyed "alias" unless `alias` is acceptable and free (forms
    call it to show the error early; the unique index still decides at INSERT)."""
    _valid_alias(alias)
    clash = Link.objects.filter(short_code__iexact=alias)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"alias": f"The alias “{alias}” is already taken."})


def _new_link(
    user,
    *,
    client,
    original_url,
    name="",
    campaign=None,
    tags=(),
    alias=None,
    expires_at=None,
    is_active=True,
    forward_query=True,
    utm_values=None,
    relations_known=False,
    rules_of=utm.rules_of,
):
    """(unsaved link, tag names, alias) after every check but the alias's: the rules of a
    new link, for create_link and create_links alike. `rules_of(client id)` gives the
    client's UTM rules."""
    alias = (alias or "").strip() or None
    tag_names = parse_tag_names(tags)
    errors = {}
    try:
        original_url = utm.apply(original_url, utm_values, campaign)
    except ValidationError as error:
        errors.update(error.message_dict)
    link = Link(
        user=user,
        client=client,
        campaign=campaign,
        original_url=original_url,
        name=(name or "").strip(),
        expires_at=expires_at,
        is_active=is_active,
        forward_query=forward_query,
        short_code=alias or "pending",
    )
    # Validates and normalises the destination and the campaign/client rule. With
    # relations_known the user, client and campaign are instances just read: their
    # existence is not asked again (a query each); the foreign keys still hold at commit.
    exclude = ["short_code", *(["user", "client", "campaign"] if relations_known else [])]
    try:
        link.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    utm.check(link, rules_of(link.client_id))
    return link, tag_names, alias


@transaction.atomic
def create_link(*, user, **values):
    """Create a link and its tags in one transaction; raise ValidationError keyed by field.

    `values`: client and original_url, and optionally name, campaign, tags, alias,
    expires_at, is_active, forward_query, utm_values ({utm parameter: value} written into
    the destination, links.utm); relations_known=True when the user, client and
    campaign were just read (see _new_link)."""
    link, tag_names, alias = _new_link(user, **values)
    if alias:
        check_alias(alias)
    _save_with_code(link, alias)
    if tag_names:
        _add_tags(link, tag_names)
    webhook_events.link_created(link)
    return link


class LinksRefused(Exception):
    """create_links wrote nothing: `errors` maps each refused link's index to its
    ValidationError."""

    def __init__(self, errors):
        super().__init__(f"{len(errors)} link(s) refused")
        self.errors = errors


@transaction.atomic
def create_links(*, user, links):
    """Create many links at once, all or none, each by create_link's rules, in a fixed
    number of queries rather than a dozen per link (the API's bulk create).

    `links`: dicts of create_link's values, their client and campaign instances just read.
    Aliases are checked against each other and, in one query, against stored codes; links,
    then tag assignments, go in one INSERT each; each tag name is fetched or created once.
    Raises LinksRefused, having written nothing, when any link is refused. When the unique
    index still refuses a code at the INSERT (an alias taken meanwhile, a generated code
    that collided), the links are made one by one through create_link, which settles it."""
    prepared, errors, aliases = [], {}, {}
    rules = UtmRules.objects.select_related("client").in_bulk(
        {values["client"].pk for values in links}
    )
    for index, values in enumerate(links):
        try:
            link, tag_names, alias = _new_link(
                user, relations_known=True, rules_of=rules.get, **values
            )
            if alias:
                _valid_alias(alias)
        except ValidationError as error:
            errors[index] = error
            continue
        if alias:
            earlier = aliases.setdefault(alias.lower(), index)
            if earlier != index:
                errors[index] = ValidationError(
                    {"alias": f"The alias “{alias}” is also given at index {earlier}."}
                )
                continue
        prepared.append((link, tag_names, alias))
    if aliases:
        taken = (
            Link.objects.annotate(lowered=Lower("short_code"))
            .filter(lowered__in=list(aliases))
            .values_list("lowered", flat=True)
        )
        for lowered in taken:
            index = aliases[lowered]
            alias = (links[index].get("alias") or "").strip()
            errors.setdefault(
                index, ValidationError({"alias": f"The alias “{alias}” is already taken."})
            )
    if errors:
        raise LinksRefused(errors)
    for link, _tag_names, alias in prepared:
        if not alias:
            link.short_code = generate_code()
    try:
        with transaction.atomic():
            Link.objects.bulk_create([link for link, _tag_names, _alias in prepared])
    except IntegrityError as error:
        if not _is_short_code_conflict(error):
            raise
        return _create_one_by_one(user, links)
    names = {name.lower(): name for _link, tag_names, _alias in prepared for name in tag_names}
    tags = {tag.name.lower(): tag for tag in get_or_create_tags(list(names.values()))}
    LinkTag.objects.bulk_create(
        [
            LinkTag(link=link, tag=tags[name.lower()])
            for link, tag_names, _alias in prepared
            for name in tag_names
        ]
    )
    created = [link for link, _tag_names, _alias in prepared]
    # A bulk INSERT sends no post_save: announce the new codes (a worker may have cached
    # one of them as unknown), and tell webhook subscribers of each link.
    for link in created:
        resolver.changed(link.short_code)
    webhook_events.links_created(created)
    return created


def _create_one_by_one(user, links):
    created, errors = [], {}
    for index, values in enumerate(links):
        try:
            created.append(create_link(user=user, **values))
        except ValidationError as error:
            errors[index] = error
    if errors:
        raise LinksRefused(errors)
    return created


EDITABLE_FIELDS = {
    "name",
    "original_url",
    "client",
    "campaign",
    "expires_at",
    "is_active",
    "forward_query",
}


@transaction.atomic
def update_link(link, *, tags=None, utm_values=None, **changes):
    """Change a link's editable fields (and tags, when given; and the destination's UTM
    parameters, as create_link). The short code never changes: it may already be printed
    on a poster."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(link, field, value.strip() if field == "name" and value else value)
    errors = {}
    try:
        link.original_url = utm.apply(link.original_url, utm_values, link.campaign)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        link.full_clean(validate_unique=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    utm.check(link, utm.rules_of(link.client_id))
    link.save()
    if tags is not None:
        set_tags(link, parse_tag_names(tags))
    webhook_events.link_updated(link)
    return link


def set_active(link, active):
    """Deactivate (the soft delete) or reactivate; clicks stay, the code is never reused."""
    with transaction.atomic():
        Link.objects.filter(pk=link.pk).update(is_active=active)
        link.is_active = active
        webhook_events.link_updated(link)
    # An UPDATE sends no post_save: announce it, or workers keep redirecting. After the
    # COMMIT, so no worker re-reads the old row and caches it.
    resolver.changed(link.short_code)
    return link


@transaction.atomic
def delete_link(link):
    """Delete a link with its clicks and tag assignments (deactivating keeps them)."""
    webhook_events.link_deleted(link)
    link.delete()
