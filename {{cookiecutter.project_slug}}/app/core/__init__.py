"""Configuration and logging shared by the whole service."""
