from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from django.contrib import admin

        from frontend.forms import AdminSignInForm

        # The admin's sign-in page says so when too many failures have locked signing in.
        admin.site.login_form = AdminSignInForm
