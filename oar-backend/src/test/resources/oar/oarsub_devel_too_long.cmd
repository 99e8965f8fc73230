oarsub --type devel --resource /nodes=1/core=1,walltime=2:00:00 'sleep 1'
