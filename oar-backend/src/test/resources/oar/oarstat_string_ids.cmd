oarstat -fJ -j 183
