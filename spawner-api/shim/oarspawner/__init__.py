"""JupyterHub spawner for OAR-scheduled clusters, through the oarspawner service."""
from ._version import __version__
from .spawner import OARSpawner

__all__ = ["OARSpawner", "__version__"]
