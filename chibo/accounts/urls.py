from django.contrib.auth import views as auth_views
from django.urls import path

from chibo.accounts import views, views_otp

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("password/", views.password_change, name="password_change"),
    path("language/", views.set_language, name="set_language"),
    # Two-factor login (chibo.accounts.otp)
    path("2fa/", views_otp.otp_manage, name="otp_manage"),
    path("2fa/setup/", views_otp.otp_setup, name="otp_setup"),
    path("2fa/verify/", views_otp.otp_verify, name="otp_verify"),
    path("2fa/recovery-codes/", views_otp.otp_recovery, name="otp_recovery"),
    path("2fa/disable/", views_otp.otp_disable, name="otp_disable"),
]
