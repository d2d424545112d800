from django.contrib.auth import middleware


class LoginRequiredMiddleware(middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, with the public-view check first.

    Django's version reads `request.user` before it looks at the view, which loads the
    session and the user on every request. The short-link redirect is public and hot:
    it must cost no session or user query, so views marked `@login_not_required` are let
    through before `request.user` is touched.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        # The admin checks is_staff itself and sends people to its own login form, the
        # one password sign-in (local development without Google credentials).
        if "admin" in request.resolver_match.app_names:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
