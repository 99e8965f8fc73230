oardel 6
