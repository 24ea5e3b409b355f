"""The service's FastAPI application package."""
