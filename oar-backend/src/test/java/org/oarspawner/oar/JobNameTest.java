package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.oarspawner.spi.SpawnKey;

class JobNameTest {
    private final JobName names = new JobName("dev");

    @Test
    void roundTrip() {
        for (SpawnKey k : new SpawnKey[] {new SpawnKey("alice", ""), new SpawnKey("a.b@example.org", "gpu-1"),
            new SpawnKey("x+y", "s_2")}) {
            assertThat(names.parse("gpu", names.of("gpu", k))).contains(k);
        }
        assertThat(names.of("cpu", new SpawnKey("alice", ""))).isEqualTo("oarspawner:dev:cpu:alice:");
    }

    @Test
    void aClusterSharingTheOarServerDoesNotClaimAnothersJob() {
        assertThat(names.parse("cpu", names.of("gpu", new SpawnKey("alice", "x")))).isEmpty();
    }

    @Test
    void namesWithoutTheClusterStillParseSoThatAnUpgradeOrphansNoJob() {
        assertThat(names.parse("cpu", "oarspawner:dev:alice:gpu")).contains(new SpawnKey("alice", "gpu"));
        assertThat(names.parse("cpu", "oarspawner:dev:alice:")).contains(new SpawnKey("alice", ""));
    }

    @Test
    void foreignNamesAreNotOurs() {
        assertThat(names.parse("cpu", null)).isEmpty();
        assertThat(names.parse("cpu", "myjob")).isEmpty();
        assertThat(names.parse("cpu", "oarspawner:other:cpu:alice:")).isEmpty();
        assertThat(names.parse("cpu", "oarspawner:dev:alice")).isEmpty();
        assertThat(names.parse("cpu", "oarspawner:dev:cpu:al ice:")).isEmpty();
        assertThat(names.parse("cpu", "oarspawner:dev:cpu:alice:x:y")).isEmpty();
    }

    @Test
    void directoriesAreDistinctAndWhatOarsubAccepts() {
        String plain = JobName.directoryOf(new SpawnKey("alice", ""));
        String email = JobName.directoryOf(new SpawnKey("alice@example.org", "gpu"));
        String underscore = JobName.directoryOf(new SpawnKey("alice_example.org", "gpu"));
        assertThat(plain).isEqualTo("alice._default");
        assertThat(email).matches("alice_example\\.org-[0-9a-f]{8}\\.gpu").isNotEqualTo(underscore);
        assertThat(underscore).isEqualTo("alice_example.org.gpu");
        // oarsub's own check on --stdout/--stderr paths (OAR/IO.pm).
        assertThat(email).matches("^[a-zA-Z0-9_./\\-%\\\\ ]+$");
    }
}
