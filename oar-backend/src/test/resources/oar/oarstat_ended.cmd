oarstat -fJ -j 182 -j 186 -j 188 -j 189 -j 190 -j 187
