oarsub --name 'oarspawner:dev:cpu:bob:' --property "cluster='cpu'" --resource /nodes=1/core=1,walltime=0:05:00 'sleep 300'
