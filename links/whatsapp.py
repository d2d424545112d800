"""WhatsApp click-to-chat links (https://wa.me/<number>?text=<message>)."""

from urllib.parse import quote

from django.core.exceptions import ValidationError

# E.164: at most 15 digits including the country code.
MAX_DIGITS = 15
MAX_MESSAGE = 1000


def _digits(value, label, *, min_len, max_len, required=True):
    text = "".join((value or "").split()).replace("-", "").replace("(", "").replace(")", "")
    text = text.removeprefix("+") if label == "country_code" else text
    if not text:
        if required:
            raise ValidationError({label: "This field is required."})
        return ""
    if not text.isdigit() or not text.isascii():
        raise ValidationError({label: "Use digits only."})
    if not min_len <= len(text) <= max_len:
        raise ValidationError({label: f"Use {min_len} to {max_len} digits."})
    return text


def build_link(country_code, area_code, number, message=""):
    """A validated wa.me link; ValidationError keyed by field otherwise."""
    errors = {}
    parts = {}
    values = {"country_code": country_code, "area_code": area_code, "number": number}
    for field, kwargs in (
        ("country_code", {"min_len": 1, "max_len": 3}),
        ("area_code", {"min_len": 1, "max_len": 5, "required": False}),
        ("number", {"min_len": 4, "max_len": 12}),
    ):
        try:
            parts[field] = _digits(values[field], field, **kwargs)
        except ValidationError as error:
            errors.update(error.message_dict)
    if parts.get("country_code", "").startswith("0"):
        errors["country_code"] = ["A country code does not start with 0."]
    # A national trunk prefix (the 0 of 011 in Argentina) is not dialled from abroad.
    area = parts.get("area_code", "").lstrip("0")
    if len(message or "") > MAX_MESSAGE:
        errors["message"] = [f"Keep the message under {MAX_MESSAGE} characters."]
    if errors:
        raise ValidationError(errors)
    full = parts["country_code"] + area + parts["number"]
    if len(full) > MAX_DIGITS:
        raise ValidationError({"number": f"The full number has more than {MAX_DIGITS} digits."})
    link = f"https://wa.me/{full}"
    if message:
        link += "?text=" + quote(message, safe="")
    return link
