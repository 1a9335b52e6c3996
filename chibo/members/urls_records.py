"""Member list, search, record add/edit (records part of the member-record issue)."""

urlpatterns: list = []
