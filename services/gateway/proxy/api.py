"""Placeholder: the proxy to the services (being built)."""
from fastapi import APIRouter

router = APIRouter()
