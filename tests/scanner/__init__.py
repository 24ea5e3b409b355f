"""The pipeline's supply-chain tools run here for real: syft's SBOM of a built image (sbom.py) and grype's scan
of it, offline, against a database written for the test (grype.py, grypedb/)."""
