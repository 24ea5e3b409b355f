"""Entry point of the container: `python -m app` serves the API with uvicorn."""
from app.server import serve

serve()
