oarsub --name 'oarspawner:dev:cpu:alice::a-7nDkN0OTbA' --property "cluster='cpu'" --resource /nodes=1/core=4,walltime=0:05:00 'sleep 300'
