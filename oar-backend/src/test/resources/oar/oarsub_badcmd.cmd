oarsub --resource /nodes=1/core=1,walltime=0:01:00 '/nonexistent/cmd'
