oarnodes -J --sql "(cluster='gpu')"
