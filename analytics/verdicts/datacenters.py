"""Is a click's network a hosting or cloud provider's (a datacenter), by its ASN?

People browse from ISP and mobile networks; scripts and headless browsers mostly run in
datacenters. A datacenter network alone is weak evidence (VPNs, corporate proxies and cloud
desktops carry people too), so the verdict counts it only together with other evidence unless
BOT_DATACENTER_STRICT is on (analytics.verdicts.bots).

The list is short on purpose: the large clouds and hosters that carry most automated traffic,
by ASN number and, for networks renumbered or split later, by words of the organisation name
as GeoLite2-ASN spells it. CDNs and privacy relays (Cloudflare, Fastly, Akamai's CDN, iCloud
Private Relay) are left out: people's browsers reach us through them.
"""

import re

DATACENTER_ASNS = {
    16509: "Amazon (AWS)",
    14618: "Amazon (AWS)",
    8987: "Amazon (AWS)",
    15169: "Google",
    396982: "Google Cloud",
    8075: "Microsoft (Azure)",
    14061: "DigitalOcean",
    16276: "OVH",
    24940: "Hetzner",
    213230: "Hetzner Cloud",
    63949: "Linode / Akamai Connected Cloud",
    31898: "Oracle Cloud",
    45102: "Alibaba Cloud",
    132203: "Tencent Cloud",
    51167: "Contabo",
    20473: "Vultr (Choopa)",
    12876: "Scaleway",
    60781: "Leaseweb",
}

DATACENTER_ORG_WORDS = re.compile(
    r"\b(?:amazon|aws|google cloud|microsoft azure|digitalocean|ovh|hetzner|linode"
    r"|akamai connected cloud|oracle cloud|alibaba|tencent cloud|contabo|vultr|choopa"
    r"|scaleway|leaseweb)\b",
    re.IGNORECASE,
)


def is_datacenter(asn_number, asn_org):
    if asn_number in DATACENTER_ASNS:
        return True
    return bool(asn_org and DATACENTER_ORG_WORDS.search(asn_org))
