"""Bot reason codes in plain words, for people who do not read the codes.

Every page that shows a reason shows these words with the code beside or on hover; the
codes and what they mean are in docs/bot-verdicts.md, whose table a test checks against
this mapping. "unknown" stands for a click stored with no code (the report's
FirstReason of a missing reason).
"""

REASONS = {
    "ua:empty": "No user agent sent",
    "ua:malformed": "Malformed or oversized user agent",
    "ua:scanner": "Security scanner or attack payload",
    "ua:monitor": "Uptime or synthetic monitoring check",
    "ua:headless": "Headless browser or automation tool",
    "ua:http-client": "HTTP library or command-line tool",
    "ua:preview": "Link preview of a chat app or social network",
    "ua:crawler": "Search engine or other crawler",
    "ua:not-browser": "Software that is not a browser",
    "method:head": "Link checker (a HEAD request)",
    "request:prefetch": "Browser prefetch: nobody clicked yet",
    "headers:headless": "Headless browser, by its client hints",
    "burst": "Same device clicking again and again within seconds",
    "burst:ip": "Same address clicking dozens of times a minute",
    "net:datacenter": "From a hosting or cloud network",
    "headers:browser-missing": "Claims a browser but sends no browser headers",
    "headers:no-client-hints": "Claims Chrome but sends no client hints",
    "unknown": "No reason stored",
}

# A code this mapping does not know yet (a rule added later, an imported click's own
# reason): the family its prefix names, else a plain "other".
_FAMILIES = {
    "ua:": "Another user-agent rule",
    "headers:": "Another request-header rule",
    "request:": "Another request rule",
    "method:": "Another request rule",
    "net:": "Another network rule",
    "burst": "Another burst rule",
}


def describe(code):
    """Plain words for a bot reason code, also for codes REASONS does not list."""
    if code in REASONS:
        return REASONS[code]
    for prefix, words in _FAMILIES.items():
        if (code or "").startswith(prefix):
            return words
    return "Another reason"
