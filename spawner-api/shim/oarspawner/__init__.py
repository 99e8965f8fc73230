"""JupyterHub spawner for OAR-scheduled clusters, through the oarspawner service."""
from .spawner import OARSpawner

__all__ = ["OARSpawner"]
