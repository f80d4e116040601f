"""ASGI entry point for `serve` (uvicorn imports it once per worker)."""

from gateway.app import create_app
from gateway.settings import load_settings

app = create_app(load_settings())
