"""Bot reason codes in plain words, for the pages and emails that show why clicks were
counted as bots. The codes and what fires them are in docs/bot-verdicts.md; a test checks
that every code of its table has words here."""

REASONS = {
    "ua:empty": "No browser name sent",
    "ua:malformed": "Garbled browser name",
    "ua:scanner": "Security scanner or attack",
    "ua:monitor": "Uptime or performance monitor",
    "ua:headless": "Automated browser (headless)",
    "ua:http-client": "Script or command-line tool",
    "ua:preview": "Link preview (chat or social app)",
    "ua:crawler": "Search engine or crawler",
    "ua:not-browser": "Software that is not a browser",
    "method:head": "Link checker (HEAD request)",
    "request:prefetch": "Browser prefetch (nobody clicked yet)",
    "headers:headless": "Automated browser (headless, by its headers)",
    "burst": "Many clicks in seconds from one device",
    "burst:ip": "Many clicks in seconds from one address",
    "net:datacenter": "From a data centre or cloud network",
    "headers:browser-missing": "Claims to be a browser but sends no browser headers",
    "headers:no-client-hints": "Claims to be Chrome but lacks Chrome's headers",
    "unknown": "No reason recorded",
}


def describe(code):
    """The plain words of a reason code; a code without words is shown as it is, so a new
    rule never hides its clicks."""
    if not code:
        return REASONS["unknown"]
    return REASONS.get(code, code)
