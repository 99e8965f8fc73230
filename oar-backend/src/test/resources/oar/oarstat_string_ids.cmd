oarstat -fJ -j 4
