package org.oarspawner.shim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One version for the service and the shim: the shim's wheel (its version is oarspawner/_version.py's) carries the
 * Maven project's version in PEP 440's spelling, 0.1.0-SNAPSHOT as 0.1.0.dev0. deploy/build-shim.sh checks the built
 * wheel's name the same way.
 */
class ShimVersionTest {
    static String pep440(String maven) {
        return maven.endsWith("-SNAPSHOT") ? maven.substring(0, maven.length() - "-SNAPSHOT".length()) + ".dev0" : maven;
    }

    @Test
    void theShimCarriesTheMavenProjectsVersion() throws Exception {
        String maven = System.getProperty("project.version");
        assertThat(maven).as("Surefire's project.version").isNotBlank();
        String source = Files.readString(Path.of("shim/oarspawner/_version.py"));
        Matcher m = Pattern.compile("(?m)^__version__ = \"([^\"]+)\"$").matcher(source);
        assertThat(m.find()).as("__version__ in shim/oarspawner/_version.py").isTrue();
        assertThat(m.group(1)).isEqualTo(pep440(maven));
        assertThat(Files.readString(Path.of("shim/pyproject.toml")))
                .contains("dynamic = [\"version\"]", "version = {attr = \"oarspawner._version.__version__\"}");
    }

    @Test
    void snapshotsAreDevReleases() {
        assertThat(pep440("0.1.0-SNAPSHOT")).isEqualTo("0.1.0.dev0");
        assertThat(pep440("1.2.3")).isEqualTo("1.2.3");
    }
}
