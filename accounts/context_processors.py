from . import policy


class _Permissions:
    """`may.<action>` in templates: accounts.policy.can for the signed-in person, asked
    only for the actions a page shows."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, action):
        if action not in policy.ACTIONS:
            raise KeyError(action)
        return policy.can(self.user, action)


def permissions(request):
    return {"may": _Permissions(getattr(request, "user", None))}
