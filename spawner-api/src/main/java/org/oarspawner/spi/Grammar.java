package org.oarspawner.spi;

import java.util.regex.Pattern;

/**
 * The strict grammars every request value is checked against before anything reaches a shell.
 * Each value is quoted for the remote shell as well; the grammar is the first wall, the quoting the second.
 */
public enum Grammar {
    /** A JupyterHub user name as it may appear in a job name: no ':' (the job name's separator), no space. */
    HUB_USER("^[A-Za-z0-9][A-Za-z0-9._@+-]{0,39}$", "1-40 characters: letters, digits, '.', '_', '@', '+', '-', starting with a letter or digit"),
    /** A named server; the default server is the empty name. */
    SERVER_NAME("^([A-Za-z0-9][A-Za-z0-9_-]{0,29})?$", "empty, or 1-30 characters: letters, digits, '_', '-', starting with a letter or digit"),
    /** A POSIX login on the cluster. */
    LOGIN("^[a-z_][a-z0-9_-]{0,31}$", "a POSIX login: 1-32 characters, lowercase letters, digits, '_', '-', not starting with a digit or '-'"),
    CLUSTER("^[a-z][a-z0-9-]{0,31}$", "1-32 characters: lowercase letters, digits, '-', starting with a letter"),
    PROJECT("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", "1-64 characters: letters, digits, '.', '_', '-' (e.g. pr-training)"),
    GPU_MODEL("^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", "1-32 characters: letters, digits, '.', '_', '-' (e.g. A100)"),
    JOB_TYPE("^[a-z][a-z0-9_]{0,31}(=[A-Za-z0-9_.-]{1,64})?$", "a word like devel or besteffort, optionally =value"),
    PROPERTY_NAME("^[a-z][a-z0-9_]{0,31}$", "1-32 characters: lowercase letters, digits, '_', starting with a letter"),
    PROPERTY_VALUE("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", "1-64 characters: letters, digits, '.', '_', ':', '-', starting with a letter or digit"),
    ENV_NAME("^[A-Za-z_][A-Za-z0-9_]{0,127}$", "a shell variable name"),
    /**
     * A walltime as OAR writes it; the whole value, nothing around it (no space, no newline). Also the grammar of a
     * walltime extension's {@code add} (POST .../walltime), which must besides be more than zero.
     */
    WALLTIME("^(\\d{1,3}):([0-5]\\d)(?::([0-5]\\d))?$", "H:MM or H:MM:SS, like 2:00 or 1:30:00");

    /** A walltime's value in {@link #WALLTIME}'s grammar (a new job's, or an extension's {@code add}); empty otherwise. */
    public static java.util.Optional<java.time.Duration> walltime(String text) {
        return WALLTIME.match(text).map(m -> java.time.Duration.ofHours(Long.parseLong(m.group(1)))
                .plusMinutes(Long.parseLong(m.group(2))).plusSeconds(m.group(3) == null ? 0 : Long.parseLong(m.group(3))));
    }

    /** A walltime as OAR and users read it, H:MM:SS (the inverse of {@link #walltime(String)}). */
    public static String walltimeText(java.time.Duration d) {
        long t = d.toSeconds();
        return String.format("%d:%02d:%02d", t / 3600, (t % 3600) / 60, t % 60);
    }

    private final Pattern pattern;
    private final String description;

    Grammar(String regex, String description) {
        this.pattern = Pattern.compile(regex);
        this.description = description;
    }

    /** Whether the whole value matches (Matcher.matches: a trailing newline is not ignored as '$' alone would). */
    public boolean matches(String value) {
        return value != null && pattern.matcher(value).matches();
    }

    /** A matcher on the whole value, for a grammar with groups to read (WALLTIME); empty when it does not match. */
    public java.util.Optional<java.util.regex.Matcher> match(String value) {
        if (value == null) {
            return java.util.Optional.empty();
        }
        java.util.regex.Matcher m = pattern.matcher(value);
        return m.matches() ? java.util.Optional.of(m) : java.util.Optional.empty();
    }

    /** Returns the value, or throws naming the field and the rule it broke. */
    public String check(String field, String value) {
        if (value == null) {
            throw new InvalidFieldException(field, "is required");
        }
        if (!matches(value)) {
            throw new InvalidFieldException(field, "must be " + description);
        }
        return value;
    }

    public String description() {
        return description;
    }
}
