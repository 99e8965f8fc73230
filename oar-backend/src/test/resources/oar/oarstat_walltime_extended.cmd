oarstat -fJ -j 1998
