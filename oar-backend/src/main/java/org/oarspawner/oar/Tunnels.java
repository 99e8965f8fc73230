package org.oarspawner.oar;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.oarspawner.oar.ssh.SshConnection;
import org.oarspawner.oar.ssh.SshException;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ssh-tunnel reachability's local forwards, one per job, on the service account's connection to the job's
 * frontend. Concurrent opens for one job share one forward; a close wins over an open still under way.
 */
final class Tunnels {
    private static final Logger LOG = LoggerFactory.getLogger(Tunnels.class);
    /** Ended jobs remembered, so that a late open does not bring their tunnel back. */
    private static final int REMEMBERED = 10_000;

    /** A job's tunnel: the local port, and the frontend connection it lives on. */
    private record Tunnel(Endpoint endpoint, int localPort, int generation) {
    }

    private final Map<String, Tunnel> open = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Set<String> closed = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    }));

    private static String key(JobRef job) {
        return job.cluster() + "/" + job.id();
    }

    /** The job's tunnel URL: the same while its forward lives, a new one after the connection was made again. */
    String open(SshConnection conn, JobRef job, Endpoint endpoint) throws SshException {
        String key = key(job);
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            if (closed.contains(key)) {
                throw new SchedulerException(job.cluster(), Reason.FAILED, -1, "job " + job.id() + " has ended; its tunnel is closed");
            }
            Tunnel t = open.get(key);
            if (t != null && t.endpoint().equals(endpoint) && t.generation() == conn.generation() && conn.isConnected()) {
                return "http://127.0.0.1:" + t.localPort();
            }
            if (t != null) {
                conn.unforward(t.localPort());
            }
            int port = conn.forward(endpoint.host(), endpoint.port());
            open.put(key, new Tunnel(endpoint, port, conn.generation()));
            LOG.info("event=tunnel_opened cluster={} job={} node={} node_port={} local_port={}", job.cluster(), job.id(),
                    endpoint.host(), endpoint.port(), port);
            return "http://127.0.0.1:" + port;
        }
    }

    /** The tunnels open now to a cluster's nodes. */
    int open(String cluster) {
        String prefix = cluster + "/";
        return (int) open.keySet().stream().filter(k -> k.startsWith(prefix)).count();
    }

    /** Closes the job's tunnel if it has one; from now on, no open for this job makes one. */
    void close(SshConnection conn, JobRef job) {
        String key = key(job);
        closed.add(key);
        Object lock = locks.get(key);
        if (lock == null) {
            return;
        }
        synchronized (lock) {
            Tunnel t = open.remove(key);
            locks.remove(key);
            if (t != null) {
                conn.unforward(t.localPort());
                LOG.info("event=tunnel_closed cluster={} job={} local_port={}", job.cluster(), job.id(), t.localPort());
            }
        }
    }
}
