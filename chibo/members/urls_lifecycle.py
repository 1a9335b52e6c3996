"""Events, transfers and deadlines (lifecycle part of the member-record issue)."""

urlpatterns: list = []
