package org.oarspawner.oar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.spi.FreeResources;
import org.oarspawner.spi.FreeResources.Gpus;
import org.oarspawner.spi.SchedulerException;

/** oarnodes -J as the local OAR 2.5.9 cluster printed it (deploy/cluster/capture-nodes.sh). */
class OarNodesTest {
    private static final Instant AT = Instant.parse("2026-11-29T10:00:00Z");

    private static FreeResources free(String fixture) {
        return OarNodes.free("gpu", Fixtures.result(fixture), "gpumodel", AT);
    }

    @Test
    void idleClusterHasEverythingFree() {
        FreeResources f = free("oarnodes_idle");
        assertEquals(136, f.freeCores());
        assertEquals(136, f.aliveCores());
        assertEquals(Map.of("A100", new Gpus(1, 1), "V100", new Gpus(1, 1)), f.gpus());
        assertEquals(AT, f.readAt());
    }

    @Test
    void coresAndGpusHeldByJobsAreNotFree() {
        // A 2-core CPU job and a 1-GPU A100 job (its 2 cores) run.
        FreeResources f = free("oarnodes_busy");
        assertEquals(132, f.freeCores());
        assertEquals(136, f.aliveCores());
        assertEquals(Map.of("A100", new Gpus(0, 1), "V100", new Gpus(1, 1)), f.gpus());
    }

    @Test
    void oneClusterAsTheServiceAsksForIt() {
        FreeResources f = free("oarnodes_busy_gpu");
        assertEquals(2, f.freeCores());
        assertEquals(4, f.aliveCores());
        assertEquals(Map.of("A100", new Gpus(0, 1), "V100", new Gpus(1, 1)), f.gpus());
    }

    @Test
    void largeClusterOf2136Resources() {
        CommandResult r = Fixtures.result("oarnodes_large");
        FreeResources f = null;
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            f = OarNodes.free("big", r, "gpumodel", AT);
            best = Math.min(best, System.nanoTime() - t0);
        }
        assertEquals(2134, f.freeCores());
        assertEquals(2136, f.aliveCores());
        assertEquals(Map.of("A100", new Gpus(50, 51), "V100", new Gpus(51, 51)), f.gpus());
        System.out.printf("[bench] oarnodes -J, 2136 resources, %d bytes: parsed in %.1f ms (best of 5)%n",
                r.stdout().length(), best / 1e6);
    }

    @Test
    void aResourceNotAliveIsNeitherFreeNorAlive() {
        String json = "{\"1\": {\"state\": \"Alive\", \"network_address\": \"n1\", \"gpu\": 1, \"gpumodel\": \"A100\"},"
                + " \"2\": {\"state\": \"Absent\", \"network_address\": \"n1\", \"gpu\": 1, \"gpumodel\": \"A100\"},"
                + " \"3\": {\"state\": \"Suspected\", \"network_address\": \"n2\"}}";
        FreeResources f = OarNodes.free("gpu", new CommandResult(json, "", 0, false), "gpumodel", AT);
        assertEquals(1, f.freeCores());
        assertEquals(1, f.aliveCores());
        assertEquals(Map.of("A100", new Gpus(0, 1)), f.gpus());
    }

    @Test
    void failuresAndTruncatedOrBrokenAnswersAreErrors() {
        SchedulerException e = assertThrows(SchedulerException.class, () ->
                OarNodes.free("cpu", new CommandResult("", "DBI connect failed", 1, false), "gpumodel", AT));
        assertTrue(e.getMessage().contains("DBI connect failed"), e.getMessage());
        assertThrows(SchedulerException.class, () ->
                OarNodes.free("cpu", new CommandResult("{\"1\": {\"state\": \"Al", "", 0, true), "gpumodel", AT));
        assertThrows(SchedulerException.class, () ->
                OarNodes.free("cpu", new CommandResult("{\"1\": {\"state\": \"Al", "", 0, false), "gpumodel", AT));
        assertThrows(SchedulerException.class, () ->
                OarNodes.free("cpu", new CommandResult("[1, 2]", "", 0, false), "gpumodel", AT));
    }
}
