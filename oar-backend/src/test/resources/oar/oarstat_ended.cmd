oarstat -fJ -j 3 -j 5 -j 7 -j 8 -j 9 -j 6
