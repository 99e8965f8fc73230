oarstat -fJ -j 3 -j 4 -j 5
