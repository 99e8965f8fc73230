# Run as the job's login over its own connection (PER_USER): sh -c "$this" oarspawner-submit KEY ENVFILE OARSUB ARGS...
# Stages ENVFILE (0600) and job.sh (0700) in ~/.oarspawner/jobs/KEY from stdin, then runs OARSUB --directory JOBDIR ARGS,
# in one command. stdin: the 33-byte line "oarspawner-stage-1 EEEEEE SSSSSS" (the sizes, 6 digits each), then exactly
# that many bytes of each file, and nothing more (the service account's oarspawner-stage submit reads the same).
# StagedSubmit sends it as ONE line (comments dropped, lines joined by a space), so that any login shell passes the
# quoted word to sh unchanged: every line ends where a space may follow (";", "then", "do", "in", "{", "||", "&&").
set -eu;
umask 077;
fail() { echo "oarspawner: $*" >&2; exit 2; };
number() { n=${1%% *}; n=${n#"${n%%[!0]*}"}; echo "${n:-0}"; };
key=$1 envfile=$2;
shift 2;
root=$HOME/.oarspawner;
dir=$root/jobs/$key;
for p in "$root" "$root/jobs" "$dir"; do
  [ ! -L "$p" ] || fail "$p is a symbolic link";
  [ -d "$p" ] || mkdir "$p";
  chmod 700 "$p";
done;
header=$(head -c 33);
case "$header" in
  "oarspawner-stage-1 "[0-9][0-9][0-9][0-9][0-9][0-9]" "[0-9][0-9][0-9][0-9][0-9][0-9]) ;;
  *) fail "stdin does not start with the staging line" ;;
esac;
take() {
  t=$(mktemp "$dir/.stage.XXXXXXXX");
  head -c "$1" > "$t";
  [ "$(wc -c < "$t")" -eq "$1" ] || { rm -f "$t"; fail "stdin ended before the $1 bytes announced"; };
  echo "$t";
};
e=$(take "$(number "${header#oarspawner-stage-1 }")");
s=$(take "$(number "${header##* }")") || { rm -f "$e"; exit 2; };
[ "$(head -c 1 | wc -c)" -eq 0 ] || { rm -f "$e" "$s"; fail "stdin holds more than the two files"; };
chmod 700 "$s";
mv -fT "$s" "$dir/job.sh" && mv -fT "$e" "$dir/$envfile" || { rm -f "$e" "$s"; fail "cannot place the files in $dir"; };
oarsub=$1;
shift;
exec "$oarsub" --directory "$dir" "$@"
