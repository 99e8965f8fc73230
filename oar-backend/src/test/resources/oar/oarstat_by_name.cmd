oarstat -fJ --sql "job_name like 'oarspawner:dev:%' and state not in ('Terminated','Error')"
