from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chibo.core.roles import Cap
from chibo.core.views import page_number
from chibo.members import selectors
from chibo.orgunits.selectors import unit_get


@login_required
def unit_members(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_get(access=request.access, pk=pk, capability=Cap.MEMBER_VIEW)
    page = Paginator(selectors.member_list(unit=unit), 50).get_page(page_number(request))
    return render(request, "members/list.html", {"unit": unit, "page": page})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(access=request.access, pk=pk)
    page = Paginator(selectors.member_history(member=member), 30).get_page(page_number(request))
    posts = member.posts.select_related("unit").order_by("-start_date")
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "page": page,
            "posts": list(posts),
            "own": member.pk == request.access.member_id,
        },
    )
