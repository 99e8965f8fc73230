package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.JobName.Verdict;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.SpawnKey;

class JobNameTest {
    private final JobName names = LocalCluster.names("dev");

    @Test
    void roundTrip() {
        for (SpawnKey k : new SpawnKey[] {new SpawnKey("alice", ""), new SpawnKey("a.b@example.org", "gpu-1"),
            new SpawnKey("x+y", "s_2")}) {
            JobName.Parsed p = names.parse("gpu", names.of("gpu", k, "alice"), "alice");
            assertThat(p.verdict()).isEqualTo(Verdict.OURS);
            assertThat(p.key()).contains(k);
        }
        assertThat(names.of("cpu", new SpawnKey("alice", ""), "alice")).matches("oarspawner:dev:cpu:alice::[A-Za-z0-9_-]{12}");
    }

    @Test
    void aClusterSharingTheOarServerDoesNotClaimAnothersJob() {
        assertThat(names.parse("cpu", names.of("gpu", new SpawnKey("alice", "x"), "alice"), "alice").verdict())
                .isEqualTo(Verdict.NOT_OURS);
    }

    @Test
    void aNameCopiedIntoAnotherUsersJobDoesNotVerify() {
        String bobs = names.of("cpu", new SpawnKey("bob", ""), "bob");
        // alice submits a job under bob's exact name (every user sees every job name in oarstat).
        assertThat(names.parse("cpu", bobs, "alice").verdict()).isEqualTo(Verdict.FORGED);
        assertThat(names.parse("cpu", bobs, "alice").key()).isEmpty();
        // Or changes a part of her own name.
        String alices = names.of("cpu", new SpawnKey("alice", ""), "alice");
        assertThat(names.parse("cpu", alices.replace(":alice:", ":bob:"), "alice").verdict()).isEqualTo(Verdict.FORGED);
    }

    @Test
    void anotherKeyDoesNotVerify() {
        JobName other = new JobName("dev", "another-key-of-at-least-32-bytes-0000000".getBytes(StandardCharsets.UTF_8));
        assertThat(other.parse("cpu", names.of("cpu", new SpawnKey("alice", ""), "alice"), "alice").verdict())
                .isEqualTo(Verdict.FORGED);
    }

    @Test
    void untaggedNamesAreNotTrusted() {
        // What the service wrote before tags, and what anyone can write.
        assertThat(names.parse("cpu", "oarspawner:dev:cpu:bob:", "alice").verdict()).isEqualTo(Verdict.FORGED);
        assertThat(names.parse("cpu", "oarspawner:dev:cpu:bob:", "bob").verdict()).isEqualTo(Verdict.FORGED);
        assertThat(names.parse("cpu", "oarspawner:dev:alice:gpu", "alice").verdict()).isEqualTo(Verdict.FORGED);
    }

    @Test
    void foreignAndMalformedNames() {
        assertThat(names.parse("cpu", null, "alice").verdict()).isEqualTo(Verdict.NOT_OURS);
        assertThat(names.parse("cpu", "myjob", "alice").verdict()).isEqualTo(Verdict.NOT_OURS);
        assertThat(names.parse("cpu", "oarspawner:other:cpu:alice::x", "alice").verdict()).isEqualTo(Verdict.NOT_OURS);
        assertThat(names.parse("cpu", "oarspawner:dev:alice", "alice").verdict()).isEqualTo(Verdict.MALFORMED);
        assertThat(names.parse("cpu", "oarspawner:dev:cpu:al ice::abc", "alice").verdict()).isEqualTo(Verdict.MALFORMED);
        assertThat(names.parse("cpu", "oarspawner:dev:cpu:alice:x:y:z", "alice").verdict()).isEqualTo(Verdict.MALFORMED);
        assertThat(names.parse("cpu", "oarspawner:dev:cpu:alice:\n:abc", "alice").verdict()).isEqualTo(Verdict.MALFORMED);
    }

    @Test
    void aNameOarCannotStoreIsRefusedNamingTheField() {
        SpawnKey longest = new SpawnKey("u".repeat(40), "s".repeat(30));
        assertThatThrownBy(() -> names.of("cpu", longest, "alice")).isInstanceOf(InvalidFieldException.class)
                .hasMessageContaining("at most 100");
        assertThat(names.of("cpu", new SpawnKey("u".repeat(40), "s".repeat(10)), "alice")).hasSizeLessThanOrEqualTo(100);
    }

    @Test
    void aShortKeyIsRefused() {
        assertThatThrownBy(() -> new JobName("dev", new byte[16])).isInstanceOf(IllegalArgumentException.class);
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
