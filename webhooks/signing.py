"""The signature on every delivery: `Macondo-Signature: t=<unix seconds>,v1=<hex>`.

v1 is HMAC-SHA256, keyed with the subscription's secret, of the timestamp, a dot and the
exact request body. The timestamp is signed too, so a receiver that refuses old timestamps
(docs/webhooks.md: five minutes) cannot be fed a recorded delivery later.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "Macondo-Signature"


def signature(secret, timestamp, body):
    message = f"{int(timestamp)}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret, timestamp, body):
    return f"t={int(timestamp)},v1={signature(secret, timestamp, body)}"
