package org.oarspawner.oar.ssh;

import java.util.List;
import java.util.stream.Collectors;

/** POSIX shell quoting: every value becomes one literal word, whatever it holds. */
public final class ShellQuote {
    private ShellQuote() {
    }

    public static String quote(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a shell word cannot hold NUL");
        }
        return "'" + value.replace("'", "'\\''") + "'";
    }

    public static String join(List<String> words) {
        return words.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
    }
}
