oarstat -fJ -j 1999
