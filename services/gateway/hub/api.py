"""Placeholder: the hub's internal endpoint (being built)."""
from fastapi import APIRouter

router = APIRouter()
