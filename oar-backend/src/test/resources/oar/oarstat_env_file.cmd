oarstat -fJ -j 842
