"""Dependency aliases of the enrollment service's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.enrollment.gaps import GapRules


def get_gap_rules(request: Request) -> GapRules:
    rules: GapRules = request.app.state.gap_rules
    return rules


Rules = Annotated[GapRules, Depends(get_gap_rules)]
