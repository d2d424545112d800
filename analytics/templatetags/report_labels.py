"""Report values as a person reads them, the stored code on hover (<abbr title>): one
place for every page and email that shows a country, a city or a bot reason."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from analytics.reports.names import UNKNOWN, city_label, country_name, split_city
from analytics.verdicts.reasons import describe

register = template.Library()


@register.filter
def country(code):
    return country_name(code)


@register.filter
def city(value):
    return city_label(value)


@register.filter
def bot_reason(code):
    return describe(code)


@register.simple_tag
def dimension_value(dimension, value):
    """A breakdown row's value: a country's name (its code on hover), "City, Country",
    anything else as stored."""
    if not value:
        return UNKNOWN
    if dimension == "countries":
        return format_html('<abbr title="{}">{}</abbr>', value, country_name(value))
    if dimension == "cities":
        name, code = split_city(value)
        if code:
            return format_html('{}, <abbr title="{}">{}</abbr>', name, code, country_name(code))
        return name
    return value


@register.simple_tag
def reason_value(code):
    """A bot reason in plain words, its stored code on hover."""
    return format_html('<abbr title="{}">{}</abbr>', code or "unknown", describe(code))


@register.simple_tag
def times_in():
    """Which zone a chart's days and hours are in (settings.TIME_ZONE)."""
    return f"Times in {timezone.get_current_timezone_name()}"
