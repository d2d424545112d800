"""UTM parameters of a destination: the one place that writes them and checks them.

The builder (form, import, API) writes `utm_*` values into the destination's own query,
keeping its other parameters, their order and its fragment. A client may have rules
(links.models.UtmRules); `check` applies them to a link's destination and is called by
links.services whenever a link is created or changed, so every path gets the same errors.
"""

import re
from urllib.parse import quote, unquote_plus

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from .models import Link, UtmRules

PARAMETERS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Far above any real campaign tag, far below what would eat the 2,048-character destination.
MAX_VALUE_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b\ufeff]")


def clean_values(values):
    """{parameter: value} of the builder's input, trimmed, blanks dropped; ValidationError
    keyed by parameter for a value no destination should carry."""
    cleaned, errors = {}, {}
    for name, value in (values or {}).items():
        if name not in PARAMETERS:
            raise TypeError(f"Not a UTM parameter: {name}")
        value = (value or "").strip()
        if not value:
            continue
        if len(value) > MAX_VALUE_CHARS:
            errors[name] = (
                f"{name} is {len(value)} characters long; the limit is {MAX_VALUE_CHARS}."
            )
        elif _CONTROL.search(value):
            errors[name] = f"{name} contains control or invisible characters."
        else:
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _split(url):
    base, hash_mark, fragment = url.partition("#")
    path, _question_mark, query = base.partition("?")
    return path, [part for part in query.split("&") if part], hash_mark + fragment


def _key(part):
    return unquote_plus(part.split("=", 1)[0])


def values_of(url):
    """{parameter: value} of the UTM parameters in `url`'s query (the first of repeats)."""
    _path, parts, _fragment = _split(url or "")
    found = {}
    for part in parts:
        key = _key(part)
        if key in PARAMETERS and key not in found:
            found[key] = unquote_plus(part.partition("=")[2])
    return found


def source_and_medium(url):
    """(utm_source, utm_medium) of `url` as a report shows them (the first of repeats,
    decoded, trimmed, control and invisible characters dropped, cut to MAX_VALUE_CHARS);
    None for a parameter that is missing or blank."""
    values = values_of(url)
    return tuple(_shown(values.get(name)) for name in ("utm_source", "utm_medium"))


def _shown(value):
    value = _CONTROL.sub("", value or "").strip()
    if len(value) > MAX_VALUE_CHARS:
        value = value[: MAX_VALUE_CHARS - 1].rstrip() + "…"
    return value or None


def with_values(url, values):
    """`url` with each of `values` set: in place of the parameter's first occurrence (its
    repeats dropped), or appended. Other parameters and the fragment stay as they are."""
    if not values:
        return url
    path, parts, fragment = _split(url)
    encoded = {name: f"{name}={quote(value, safe='')}" for name, value in values.items()}
    kept, written = [], set()
    for part in parts:
        key = _key(part)
        if key in encoded:
            if key not in written:
                kept.append(encoded[key])
                written.add(key)
            continue
        kept.append(part)
    kept += [part for name, part in encoded.items() if name not in written]
    return f"{path}?{'&'.join(kept)}{fragment}"


def campaign_slug(campaign):
    """The default utm_campaign of a campaign: its name as a slug ("Summer Sale 2026" ->
    "summer-sale-2026"); empty when the name has no Latin letters or digits."""
    return slugify(campaign.name) if campaign is not None else ""


def apply(url, values, campaign=None):
    """The destination once the builder's `values` are written into it. When a value
    changes the destination and neither the values nor the destination have utm_campaign,
    the campaign's slug is written as utm_campaign. Values the destination already has
    (an edit form shows them) change nothing, so saving an edit adds nothing."""
    values = clean_values(values)
    if not values or not isinstance(url, str):
        return url
    present = values_of(url)
    if all(present.get(name) == value for name, value in values.items()):
        return url
    if "utm_campaign" not in values and "utm_campaign" not in present:
        slug = campaign_slug(campaign)
        if slug:
            values["utm_campaign"] = slug
    return with_values(url, values)


def split_list(text):
    """Values typed as text (comma- or line-separated) as a list: trimmed, repeats and
    blanks dropped."""
    items = text if isinstance(text, list | tuple) else re.split(r"[,\n]", text or "")
    result = []
    for item in items:
        item = str(item).strip()
        if item and item not in result:
            result.append(item)
    return result


def violations(url, rules):
    """{parameter: message} of the ways `url` breaks a client's `rules` (None: no rules)."""
    if rules is None:
        return {}
    values = values_of(url)
    found = {}
    for name in rules.required:
        if not values.get(name):
            found[name] = f"{name} is required for client “{rules.client.name}”."
    for name, value in values.items():
        if rules.lowercase and value != value.lower():
            found.setdefault(name, f"{name} must be lowercase: “{value.lower()}”, not “{value}”.")
    for name, allowed in (
        ("utm_source", rules.allowed_sources),
        ("utm_medium", rules.allowed_mediums),
    ):
        value = values.get(name)
        if allowed and value and value.lower() not in {item.lower() for item in allowed}:
            found.setdefault(
                name,
                f"“{value}” is not an allowed {name} for client “{rules.client.name}”; "
                f"allowed: {', '.join(allowed)}.",
            )
    return found


def check(link, rules):
    """Raise ValidationError keyed by parameter when `link`'s destination breaks `rules`."""
    found = violations(link.original_url, rules)
    if found:
        raise ValidationError(
            {name: ValidationError(message, code="utm_rule") for name, message in found.items()}
        )


def rules_of(client_id):
    """The UtmRules of a client, or None when it has none."""
    return UtmRules.objects.select_related("client").filter(client_id=client_id).first()


def save_rules(client, *, allowed_sources, allowed_mediums, required, lowercase):
    """Store a client's rules; none at all deletes them. Returns the UtmRules or None."""
    if not (allowed_sources or allowed_mediums or required or lowercase):
        UtmRules.objects.filter(client=client).delete()
        return None
    rules, _created = UtmRules.objects.update_or_create(
        client=client,
        defaults={
            "allowed_sources": list(allowed_sources),
            "allowed_mediums": list(allowed_mediums),
            "required": [name for name in PARAMETERS if name in required],
            "lowercase": lowercase,
        },
    )
    return rules


def breaking_links(links=None, limit=500):
    """(link, {parameter: message}) of the `links` (a queryset; default: all) that break
    their client's rules, at most `limit`, and how many there are in all. Only links of
    clients with rules are read."""
    rules = UtmRules.objects.select_related("client").in_bulk()
    found, total = [], 0
    links = (
        (Link.objects.all() if links is None else links)
        .filter(client__in=list(rules))
        .select_related("client")
        .only("pk", "short_code", "name", "original_url", "client__name", "is_active")
        .order_by("client__name", "short_code")
    )
    for link in links.iterator(chunk_size=2000):
        problems = violations(link.original_url, rules[link.client_id])
        if problems:
            total += 1
            if len(found) < limit:
                found.append((link, problems))
    return found, total
