package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.LocalCluster.run;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SpawnKey;

/** The hub's API token reaches the notebook's environment, and nowhere OAR or other users can see it. */
@ExtendWith(VertxExtension.class)
class NoSecretIT {

    @ParameterizedTest
    @EnumSource(Identity.class)
    void theTokenIsInTheNotebooksEnvironmentOnly(Identity identity, Vertx vertx) throws Exception {
        String login = identity == Identity.PER_USER ? "alice" : "bob";
        String token = "secret-" + UUID.randomUUID();
        SpawnKey key = new SpawnKey(login, "secret");
        JobRequest r = JobRequest.builder(key, "cpu", login).project(LocalCluster.PROJECT)
                .command(LocalCluster.HTTP_SERVER).env("JUPYTERHUB_API_TOKEN", token).env("JUPYTERHUB_USER", login)
                .env("JUPYTERHUB_SERVICE_URL", "http://{host}:{port}/user/" + login + "/").build();
        try (OarScheduler s = LocalCluster.scheduler(vertx, "secret", identity)) {
            try {
                submitAndCheck(s, r, login, key, token);
            } finally {
                LocalCluster.cancelAll(s);
            }
        }
    }

    private static void submitAndCheck(OarScheduler s, JobRequest r, String login, SpawnKey key, String token) throws Exception {
        {
            JobRef job = await(s.submit(r));
            Path dir = LocalCluster.jobDir(login, key);
            LocalCluster.waitFor(s, job, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
            Endpoint endpoint = LocalCluster.waitForEndpoint(s, job, key);
            assertThat(LocalCluster.get(endpoint.url() + "/").statusCode()).isEqualTo(200);

            // The notebook process holds the token in its environment: it was delivered.
            String pid = run("pgrep", "-u", login, "-f", "http.server " + endpoint.port()).strip();
            assertThat(pid).as("the notebook's pid").matches("\\d+");
            String environ = new String(Files.readAllBytes(Path.of("/proc", pid, "environ"))).replace('\0', '\n');
            assertThat(environ).contains("JUPYTERHUB_API_TOKEN=" + token);
            // The hub cannot know the node: the job script fills in where the notebook listens.
            assertThat(environ).contains("JUPYTERHUB_SERVICE_URL=http://" + endpoint.host() + ":" + endpoint.port() + "/user/" + login + "/");

            // Not in what OAR shows everyone, nor in any process's command line.
            String oarstat = run("oarstat", "-f", "-j", Long.toString(job.id()));
            assertThat(oarstat).contains("Job_Id: " + job.id()).doesNotContain(token);
            assertThat(run("oarstat", "-fJ", "-j", Long.toString(job.id()))).doesNotContain(token);
            String processes = run("ps", "-eww", "-o", "args");
            assertThat(processes).contains("http.server " + endpoint.port()).doesNotContain(token);

            // The secrets file was read and removed at start; the job directory is private.
            assertThat(envFiles(dir)).isEmpty();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent()))).isEqualTo("rwx------");
            assertThat(Files.readString(dir.resolve(JobScript.SCRIPT))).doesNotContain(token);
            // Nor does it sit in the job's output.
            for (Path f : List.of(dir.resolve(JobScript.stdoutFile(job.id())), dir.resolve(JobScript.stderrFile(job.id())))) {
                if (Files.exists(f)) {
                    assertThat(Files.readString(f)).doesNotContain(token);
                }
            }
            LocalCluster.cancelAndWait(s, job);
            await(s.cleanUp(job, key));
        }
    }

    @ParameterizedTest
    @EnumSource(Identity.class)
    void aQueuedJobsSecretsFileIsOwnerOnly(Identity identity, Vertx vertx) throws Exception {
        String login = identity == Identity.PER_USER ? "alice" : "bob";
        SpawnKey fillKey = new SpawnKey(login, "fill");
        SpawnKey key = new SpawnKey(login, "queued");
        JobRequest fill = JobRequest.builder(fillKey, "gpu", login).project(LocalCluster.PROJECT).gpus(2)
                .command("sleep", "600").build();
        JobRequest r = JobRequest.builder(key, "gpu", login).project(LocalCluster.PROJECT).gpus(1)
                .command(LocalCluster.HTTP_SERVER).env("JUPYTERHUB_API_TOKEN", "t-" + UUID.randomUUID()).build();
        try (OarScheduler s = LocalCluster.scheduler(vertx, "secret", identity)) {
            try {
                queuedSecrets(s, fill, r, login, key, fillKey);
            } finally {
                LocalCluster.cancelAll(s);
            }
        }
    }

    private static void queuedSecrets(OarScheduler s, JobRequest fill, JobRequest r, String login, SpawnKey key, SpawnKey fillKey)
            throws Exception {
        {
            JobRef filler = await(s.submit(fill));
            LocalCluster.waitFor(s, filler, j -> j.state() == JobState.RUNNING, Duration.ofSeconds(60));
            JobRef job = await(s.submit(r));
            assertThat(LocalCluster.waitFor(s, job, j -> j.scheduledStart().isPresent(), Duration.ofSeconds(30)).state())
                    .isEqualTo(JobState.WAITING);
            // The submission's own env file, env.<random>, the one name on oarsub's line.
            List<Path> envs = envFiles(LocalCluster.jobDir(login, key));
            assertThat(envs).hasSize(1);
            Path env = envs.get(0);
            assertThat(env.getFileName().toString()).matches("env\\.[0-9a-f]{24}");
            assertThat(run("oarstat", "-fJ", "-j", Long.toString(job.id()))).contains(env.getFileName().toString());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
            assertThat(Files.getOwner(env).getName()).isEqualTo(login);
            assertThat(Files.readString(env)).startsWith("JUPYTERHUB_API_TOKEN='t-");
            LocalCluster.cancelAndWait(s, job);
            LocalCluster.cancelAndWait(s, filler);
            await(s.cleanUp(job, key));
            await(s.cleanUp(filler, fillKey));
            LocalCluster.assertNoFile(LocalCluster.jobDir(login, key));
        }
    }

    private static List<Path> envFiles(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("\\.?env(\\..*)?")).toList();
        }
    }
}
