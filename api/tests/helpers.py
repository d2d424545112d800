"""Helpers for the API tests."""

from django.test import Client as HttpClient


class Api:
    """The test client with a key: `api.get("/api/v1/links")`."""

    def __init__(self, secret):
        self.client = HttpClient()
        self.secret = secret

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        merged.update(headers or {})
        return merged

    def get(self, url, headers=None, **query):
        return self.client.get(url, query or None, headers=self._headers(headers))

    def post(self, url, body=None, headers=None):
        return self.client.post(
            url,
            body if body is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, url, body, headers=None):
        return self.client.patch(
            url, body, content_type="application/json", headers=self._headers(headers)
        )

    def delete(self, url, headers=None):
        return self.client.delete(url, headers=self._headers(headers))


def problem(response, status):
    """The problem document of a response, after checking its status and content type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:macondo:problem:{body['code']}"
    return body


def fields(body):
    return {error["field"] for error in body["errors"]}
