import json
import time
from urllib.parse import parse_qs, quote, urlsplit

import jwt
import pytest
import requests

GOOGLE_CLIENT_ID = "test-client.apps.googleusercontent.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
USERINFO_URL = "https://www.googleapis.com/oauth2/v2/userinfo"


class FakeGoogle:
    """Google's token and userinfo endpoints, answered at the transport of `requests`.

    Only the outbound HTTP is replaced (`HTTPAdapter.send`): allauth's views, its OAuth2
    client, id_token decoding and our adapter all run as in production.
    """

    def __init__(self):
        self.person = {}
        # "id_token": the token answer carries an OpenID id_token (what Google sends for
        # the profile+email scopes); "userinfo": allauth must ask the userinfo endpoint.
        self.answer_with = "id_token"
        self.token_status = 200
        self.seen = []

    def send(self, request, **kwargs):
        self.seen.append(request)
        url = request.url.partition("?")[0]
        if request.method == "POST" and url == TOKEN_URL:
            answer = {
                "access_token": "ya29.test-access-token",
                "expires_in": 3599,
                "token_type": "Bearer",
                "scope": "openid profile email",
            }
            if self.answer_with == "id_token":
                answer["id_token"] = self.id_token()
            return self.response(request, answer, status=self.token_status)
        if request.method == "GET" and url == USERINFO_URL:
            return self.response(request, self.userinfo())
        raise AssertionError(f"unexpected outbound request: {request.method} {request.url}")

    def id_token(self):
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": GOOGLE_CLIENT_ID,
            "azp": GOOGLE_CLIENT_ID,
            "iat": now,
            "exp": now + 3600,
            "sub": self.person["sub"],
            **{k: v for k, v in self.person.items() if k != "sub" and v is not None},
        }
        # allauth skips the signature check for a token it fetched itself over TLS.
        return jwt.encode(claims, "not-googles-key-only-for-these-tests", algorithm="HS256")

    def userinfo(self):
        info = {"id": self.person["sub"]}
        for key, value in self.person.items():
            if key == "email_verified":
                key = "verified_email"
            if key != "sub" and value is not None:
                info[key] = value
        return info

    def response(self, request, body, status=200):
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response.url = request.url
        response.request = request
        return response

    def token_requests(self):
        return [r for r in self.seen if r.url.partition("?")[0] == TOKEN_URL]

    def sign_in(
        self,
        client,
        *,
        email,
        verified=True,
        name="Ana Pérez",
        picture="https://lh3.googleusercontent.com/a/ana",
        sub="100000000000000000001",
        next_url="/dashboard/",
    ):
        """The browser's side of the flow: our login view, Google (faked), our callback."""
        self.person = {
            "sub": sub,
            "email": email,
            "email_verified": verified,
            "name": name,
            "picture": picture,
        }
        start = client.post(f"/accounts/google/login/?next={quote(next_url)}")
        assert start.status_code == 302, start
        to_google = urlsplit(start["Location"])
        assert to_google.netloc == "accounts.google.com"
        state = parse_qs(to_google.query)["state"][0]
        return client.get("/accounts/google/login/callback/", {"state": state, "code": "4/code"})


@pytest.fixture
def google(settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {
            **settings.SOCIALACCOUNT_PROVIDERS["google"],
            "APP": {"client_id": GOOGLE_CLIENT_ID, "secret": "test-secret"},
        }
    }
    settings.ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    settings.ADMIN_EMAILS = []
    fake = FakeGoogle()
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", fake.send)
    return fake
