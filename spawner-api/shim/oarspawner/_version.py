# The shim's version: the Maven project's version in PEP 440's spelling (0.1.0-SNAPSHOT is 0.1.0.dev0, a release
# 0.1.0 is 0.1.0). The service's build checks that the two agree (ShimVersionTest): change both together.
__version__ = "0.1.0.dev0"
