# oarspawner-dev: GRICAD-like rules. devel jobs are short; users listed in
# /etc/oar/oarspawner-dev/project-required must name the project their job is accounted to.
my $devel_max = OAR::IO::sql_to_duration("0:30:00");
if (grep(/^devel$/, @{$type_list})) {
    foreach my $mold (@{$ref_resource_list}) {
        if (defined($mold->[1]) and ($mold->[1] > $devel_max)) {
            die("[ADMISSION RULE] Error: devel jobs may not exceed a walltime of 00:30:00\n");
        }
    }
}
my $required_file = "/etc/oar/oarspawner-dev/project-required";
if (-r $required_file and ((!defined($project)) or ($project eq "") or ($project eq "default"))) {
    open(my $fh, "<", $required_file);
    my @required = map { chomp; $_ } <$fh>;
    close($fh);
    if (grep { $_ eq $user } @required) {
        die("[ADMISSION RULE] Error: user $user must give a project with --project (e.g. --project pr-training)\n");
    }
}
