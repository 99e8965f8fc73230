package org.oarspawner.oar.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ShellQuoteTest {
    static List<String> hostile() {
        return List.of("plain", "", "a b", "; touch /tmp/oarspawner-pwned", "$(touch /tmp/oarspawner-pwned)",
                "`touch /tmp/oarspawner-pwned`", "'", "''", "it's", "\"double\"", "back\\slash", "line\nbreak",
                "--option", "-", "*", "~root", "$HOME", "${IFS}", "é ü 漢字 🚀", "a'\"'\"'b", "x".repeat(5000));
    }

    /** A real /bin/sh reads each quoted value back as one literal word. */
    @ParameterizedTest
    @MethodSource("hostile")
    void theShellReadsTheValueBackLiterally(String value) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "printf '%s' " + ShellQuote.quote(value) + "; printf '|%s' \"$#\"")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(out).isEqualTo(value + "|0");
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void nestedQuotingSurvivesTwoShells(String value) throws Exception {
        // As oarsub's command: quoted for the node's shell, then again for the login shell.
        String inner = "printf '%s' " + ShellQuote.quote(value);
        Process p = new ProcessBuilder("/bin/sh", "-c", "/bin/sh -c " + ShellQuote.quote(inner)).start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(value);
        assertThat(p.waitFor()).isZero();
    }
}
