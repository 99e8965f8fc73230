oarstat -fJ -j 182 -j 183 -j 186
