"""The proxy has no FastAPI routes: `proxy.edge.GatewayEdge` forwards `/api/v1/mediation/...` and
`/api/v1/lawyers/...` before routing (faster, and the raw path is checked before anything reads it)."""
from fastapi import APIRouter

router = APIRouter()
